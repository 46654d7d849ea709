import { computed, signal } from '@angular/core';
import { EMPTY, Observable, Subscription, expand, reduce } from 'rxjs';
import { ApiError, toApiError } from './api-error';
import { Page } from './models';

/**
 * A cursor-paginated list (`?limit&cursor` -> `{ items, nextCursor }`) as signals.
 * `reload` starts over with a new fetch function (e.g. a new search); `more` follows nextCursor.
 */
export class PagedList<T> {
  private readonly _items = signal<T[]>([]);
  private readonly _nextCursor = signal<string | null>(null);
  private readonly _loading = signal(false);
  private readonly _loadingMore = signal(false);
  private readonly _error = signal<ApiError | null>(null);
  private readonly _loaded = signal(false);
  private fetchPage: ((cursor: string | null) => Observable<Page<T>>) | null = null;
  private inFlight: Subscription | null = null;

  readonly items = this._items.asReadonly();
  readonly nextCursor = this._nextCursor.asReadonly();
  readonly loading = this._loading.asReadonly();
  readonly loadingMore = this._loadingMore.asReadonly();
  readonly error = this._error.asReadonly();
  readonly loaded = this._loaded.asReadonly();
  readonly empty = computed(() => this._loaded() && this._items().length === 0);
  readonly hasMore = computed(() => this._nextCursor() !== null);

  reload(fetchPage?: (cursor: string | null) => Observable<Page<T>>): Promise<void> {
    if (fetchPage) this.fetchPage = fetchPage;
    return this.fetch(null);
  }

  more(): Promise<void> {
    const cursor = this._nextCursor();
    return cursor === null || this._loadingMore() ? Promise.resolve() : this.fetch(cursor);
  }

  /** Local edits after a successful mutation, so the list does not need a refetch. */
  update(fn: (items: T[]) => T[]): void {
    this._items.update(fn);
  }

  private fetch(cursor: string | null): Promise<void> {
    const fetchPage = this.fetchPage;
    if (!fetchPage) return Promise.resolve();
    this.inFlight?.unsubscribe();
    const first = cursor === null;
    (first ? this._loading : this._loadingMore).set(true);
    this._error.set(null);
    return new Promise((resolve) => {
      this.inFlight = fetchPage(cursor).subscribe({
        next: (page) => {
          this._items.update((items) => (first ? page.items : [...items, ...page.items]));
          this._nextCursor.set(page.nextCursor ?? null);
          this._loaded.set(true);
        },
        error: (err: unknown) => {
          this._error.set(toApiError(err));
          this._loading.set(false);
          this._loadingMore.set(false);
          resolve();
        },
        complete: () => {
          this._loading.set(false);
          this._loadingMore.set(false);
          resolve();
        },
      });
    });
  }
}

/** Collects every page of a list (for pickers that need the whole set, e.g. installed connectors). */
export function allPages<T>(fetchPage: (cursor: string | null) => Observable<Page<T>>, maxPages = 20): Observable<T[]> {
  return fetchPage(null).pipe(
    expand((page, index) => (page.nextCursor && index + 1 < maxPages ? fetchPage(page.nextCursor) : EMPTY)),
    reduce((items, page) => [...items, ...page.items], [] as T[]),
  );
}
