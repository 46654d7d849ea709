import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './roles';

export const PUBLIC_KEY = 'flowport:public';
export const ROLES_KEY = 'flowport:roles';

/** The authenticated caller, set on the request by ApiKeyGuard. */
export interface AuthContext {
  workspace: { id: string; name: string };
  role: Role;
  keyId: string;
  keyName: string;
}

export interface AuthenticatedRequest {
  auth?: AuthContext;
}

/** Skips the API key check (health, webhooks with their own tokens). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Minimum role for a handler or controller; roles are ordered member < developer < owner. */
export const Roles = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, role);

function authOf(ctx: ExecutionContext): AuthContext {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!auth) throw new Error('No authenticated caller on this request: the handler is @Public() but reads the caller');
  return auth;
}

export const CurrentWorkspace = createParamDecorator((_data: unknown, ctx: ExecutionContext) => authOf(ctx).workspace);
export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext) => authOf(ctx));
