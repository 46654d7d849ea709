import { Signal, computed, signal } from '@angular/core';
import { Observable, Subscription } from 'rxjs';
import { ApiError, toApiError } from './api-error';

/**
 * One request's state as signals (loading / error / value), so every page can show its
 * loading, error and empty states the same way. A newer load cancels the one in flight.
 */
export class Remote<T> {
  private readonly _value = signal<T | null>(null);
  private readonly _loading = signal(false);
  private readonly _error = signal<ApiError | null>(null);
  private inFlight: Subscription | null = null;

  readonly value: Signal<T | null> = this._value.asReadonly();
  readonly loading: Signal<boolean> = this._loading.asReadonly();
  readonly error: Signal<ApiError | null> = this._error.asReadonly();
  readonly loaded = computed(() => this._value() !== null);

  load(request: Observable<T>): Promise<T | null> {
    this.inFlight?.unsubscribe();
    this._loading.set(true);
    this._error.set(null);
    return new Promise((resolve) => {
      this.inFlight = request.subscribe({
        next: (value) => {
          this._value.set(value);
          this._loading.set(false);
          resolve(value);
        },
        error: (err: unknown) => {
          this._error.set(toApiError(err));
          this._loading.set(false);
          resolve(null);
        },
      });
    });
  }

  set(value: T | null): void {
    this._value.set(value);
  }

  update(fn: (value: T | null) => T | null): void {
    this._value.update(fn);
  }
}

/** Awaits one value of an API call and rethrows failures as ApiError. */
export function call<T>(request: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let last: T | undefined;
    request.subscribe({
      next: (value) => (last = value),
      error: (err: unknown) => reject(toApiError(err)),
      complete: () => resolve(last as T),
    });
  });
}
