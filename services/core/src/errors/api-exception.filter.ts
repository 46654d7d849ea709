import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ErrorBody } from './api-error';

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
};

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  length?: number;
}

/** Renders the whole error body for any thrown value; the one filter the platform uses. */
export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  // Express's body-parser errors arrive wrapped by Nest's adapter (as `cause`) or raw.
  const parser = bodyParserError(exception instanceof HttpException ? exception.cause : exception);
  if (parser) return parser;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'error' in response && typeof response.error === 'object') {
      return { status, body: response as ErrorBody };
    }
    const message =
      typeof response === 'string'
        ? response
        : typeof response === 'object' && response !== null && 'message' in response
          ? [response.message].flat().join('; ')
          : exception.message;
    return { status, body: { error: { code: CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR'), message: String(message) } } };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'INTERNAL', message: 'Internal server error' } } };
}

function bodyParserError(error: unknown): { status: number; body: ErrorBody } | null {
  const e = error as BodyParserError | undefined;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') return null;
  if (e.type === 'entity.too.large') {
    return {
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: `Request body is ${e.length} bytes; the limit is ${e.limit} bytes` } },
    };
  }
  if (e.type === 'entity.parse.failed') {
    return { status: HttpStatus.BAD_REQUEST, body: { error: { code: 'INVALID_JSON', message: 'Request body is not valid JSON' } } };
  }
  const status = e.status ?? e.statusCode ?? 400;
  if (status >= 500) return null;
  return { status, body: { error: { code: CODES[status] ?? 'BAD_REQUEST', message: (error as Error).message } } };
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const res = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    res.status(status).json(body);
  }
}
