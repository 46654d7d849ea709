import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { ApiError, call } from '../api';
import { MeApi } from '../api/me-api.service';
import { Me } from '../api/models';

export const API_KEY_STORAGE_KEY = 'flowport.apiKey';

/**
 * The signed-in workspace. The API key lives in sessionStorage (gone when the tab closes)
 * until sign-out; the interceptor reads it from here.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly meApi = inject(MeApi);
  private readonly router = inject(Router);

  private readonly _apiKey = signal<string | null>(readStoredKey());
  private readonly _me = signal<Me | null>(null);

  readonly apiKey = this._apiKey.asReadonly();
  readonly me = this._me.asReadonly();
  readonly workspaceName = computed(() => this._me()?.workspace.name ?? '');
  readonly signedIn = computed(() => this._apiKey() !== null);

  /** Checks the key with GET /api/v1/me and keeps it only when the API accepts it. */
  async signIn(apiKey: string): Promise<Me> {
    const key = apiKey.trim();
    if (!key) throw new ApiError(0, 'validation', 'Enter your workspace API key.', [{ path: 'apiKey', message: 'API key is required' }]);
    try {
      const me = await call(this.meApi.me(key));
      sessionStorage.setItem(API_KEY_STORAGE_KEY, key);
      this._apiKey.set(key);
      this._me.set(me);
      return me;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        throw new ApiError(401, err.code, 'This API key was not accepted. Check that you copied the whole key and that it has not been revoked.', [
          { path: 'apiKey', message: err.message },
        ]);
      }
      throw err;
    }
  }

  /** Loads the workspace for a key restored from sessionStorage (page reload). */
  async restore(): Promise<boolean> {
    if (!this._apiKey()) return false;
    if (this._me()) return true;
    try {
      this._me.set(await call(this.meApi.me()));
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.clear();
        return false;
      }
      // API unreachable or failing: stay signed in; each page shows its own request error.
      return true;
    }
  }

  clear(): void {
    sessionStorage.removeItem(API_KEY_STORAGE_KEY);
    this._apiKey.set(null);
    this._me.set(null);
  }

  signOut(): void {
    this.clear();
    void this.router.navigate(['/sign-in']);
  }

  /** The API rejected the key mid-session: back to sign-in, then return to where the user was. */
  expire(returnUrl: string): void {
    this.clear();
    void this.router.navigate(['/sign-in'], { queryParams: { returnUrl, expired: 1 } });
  }
}

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE_KEY);
  } catch {
    return null;
  }
}
