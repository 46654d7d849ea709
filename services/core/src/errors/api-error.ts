import { HttpException, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/**
 * The one error type services throw. The global filter renders it as
 * `{ error: { code, message, details } }` with its HTTP status.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super({ error: { code, message, ...(details ? { details } : {}) } } satisfies ErrorBody, status);
    // HttpException derives a generic message from an object body; internal callers want ours.
    this.message = message;
  }

  static badRequest(message: string, details?: ErrorDetail[], code = 'BAD_REQUEST'): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message, details);
  }
  static unauthorized(message: string): ApiError {
    return new ApiError(HttpStatus.UNAUTHORIZED, 'UNAUTHORIZED', message);
  }
  static forbidden(message: string, code = 'FORBIDDEN'): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, code, message);
  }
  static notFound(message: string, code = 'NOT_FOUND'): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, code, message);
  }
  static conflict(message: string, details?: ErrorDetail[], code = 'CONFLICT'): ApiError {
    return new ApiError(HttpStatus.CONFLICT, code, message, details);
  }
  static payloadTooLarge(message: string, code = 'PAYLOAD_TOO_LARGE'): ApiError {
    return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, code, message);
  }
  static unprocessable(message: string, details?: ErrorDetail[], code = 'UNPROCESSABLE'): ApiError {
    return new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, code, message, details);
  }
}

/** Flattens class-validator's tree into `{ path: "a.b[0].c", message }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : parent ? `.${error.property}` : error.property;
    const path = `${parent}${segment}`;
    for (const message of Object.values(error.constraints ?? {})) details.push({ path, message });
    if (error.children?.length) details.push(...flattenValidationErrors(error.children, path));
  }
  return details;
}

/** The global pipe: DTOs are transformed, unknown fields rejected, errors in our format. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      return ApiError.badRequest(
        `Request is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
        'VALIDATION_FAILED',
      );
    },
  });
}
