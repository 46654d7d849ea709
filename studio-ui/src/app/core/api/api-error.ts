import { HttpErrorResponse } from '@angular/common/http';

export interface ApiErrorDetail {
  path: string;
  message: string;
}

/** An API failure as the Studio shows it: the server's message plus per-field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Details keyed by field path, e.g. `values.region` or `trigger.batchSize`. */
  fieldErrors(prefix = ''): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) {
      const path = normalizePath(d.path);
      if (prefix && !path.startsWith(prefix)) continue;
      const key = prefix ? path.slice(prefix.length).replace(/^\./, '') : path;
      out[key] ??= d.message;
    }
    return out;
  }
}

/** Accepts `/values/region`, `values.region` and `values[0]` alike and returns `values.region` / `values.0`. */
export function normalizePath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/\[(\w+)\]/g, '.$1')
    .replace(/^\./, '');
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: ApiErrorDetail[] };
}

/** Turns anything HttpClient throws into an ApiError with a message a user can act on. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HttpErrorResponse) {
    const body = err.error as ErrorBody | string | null;
    if (body && typeof body === 'object' && body.error?.message) {
      return new ApiError(err.status, body.error.code ?? 'error', body.error.message, body.error.details ?? []);
    }
    if (err.status === 0) {
      return new ApiError(0, 'network', 'The Flowport API could not be reached. Check that the server is running and try again.');
    }
    return new ApiError(err.status, 'http', `The Flowport API answered ${err.status} ${err.statusText || ''}`.trim() + '.');
  }
  return new ApiError(0, 'client', err instanceof Error ? err.message : String(err));
}
