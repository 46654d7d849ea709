import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../errors/api-error';
import { AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { Role, roleAtLeast } from './roles';
import { WorkspacesService } from './workspaces.service';

/** Global guard: every route needs `Authorization: Bearer fp_...` unless marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly workspaces: WorkspacesService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest & { headers: Record<string, string | undefined> }>();
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw ApiError.unauthorized('Missing API key: send "Authorization: Bearer fp_..." (the owner key is printed on first start)');
    const auth = await this.workspaces.authenticate(match[1]);
    if (!auth) throw ApiError.unauthorized('API key is not valid or was revoked');
    req.auth = auth;

    const required = this.reflector.getAllAndOverride<Role | undefined>(ROLES_KEY, targets);
    if (required && !roleAtLeast(auth.role, required)) {
      throw ApiError.forbidden(`This needs the ${required} role; key "${auth.keyName}" has role ${auth.role}`);
    }
    return true;
  }
}
