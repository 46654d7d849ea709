import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { SessionStore } from './session.store';

/** Adds the workspace API key to /api calls and sends the user back to sign-in on 401. */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const session = inject(SessionStore);
  const router = inject(Router);
  const isApi = req.url.startsWith('/api/');
  const key = session.apiKey();
  const explicitKey = req.headers.has('Authorization');
  const outgoing = isApi && key && !explicitKey ? req.clone({ setHeaders: { Authorization: `Bearer ${key}` } }) : req;
  return next(outgoing).pipe(
    catchError((err: unknown) => {
      // A 401 on a sign-in attempt (explicit key) is the sign-in page's to show, not a session expiry.
      if (isApi && !explicitKey && err instanceof HttpErrorResponse && err.status === 401 && session.signedIn()) {
        session.expire(router.url);
      }
      return throwError(() => err);
    }),
  );
};
