import { Injectable, computed, inject, signal } from '@angular/core';
import { PagedList } from '../../core/api/paged-list';
import { StoreConnector, StoreTrigger, TriggerKind } from '../../core/api/models';
import { StoreApi } from '../../core/api/store-api.service';

export type StoreTab = 'connectors' | 'triggers';
const PAGE_SIZE = 24;
const SEARCH_DEBOUNCE_MS = 250;

/** The Connector Store's browsing state: tab, search, filters and both result lists. */
@Injectable()
export class ConnectorStoreStore {
  private readonly api = inject(StoreApi);
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  readonly tab = signal<StoreTab>('connectors');
  readonly query = signal('');
  readonly category = signal('');
  readonly kind = signal<TriggerKind | ''>('');

  readonly connectors = new PagedList<StoreConnector>();
  readonly triggers = new PagedList<StoreTrigger>();

  /** Every category seen so far, so filtering by one does not shrink the filter's own options. */
  private readonly seenCategories = signal<string[]>([]);
  readonly categories = computed(() => [...this.seenCategories()].sort((a, b) => a.localeCompare(b)));
  readonly filtersActive = computed(() => this.query() !== '' || (this.tab() === 'connectors' ? this.category() !== '' : this.kind() !== ''));

  selectTab(tab: StoreTab): void {
    this.tab.set(tab);
    const list = tab === 'connectors' ? this.connectors : this.triggers;
    if (!list.loaded() && !list.loading()) void this.load();
  }

  setQuery(q: string): void {
    this.query.set(q);
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.load(), SEARCH_DEBOUNCE_MS);
  }

  setCategory(category: string): void {
    this.category.set(category);
    void this.load();
  }

  setKind(kind: TriggerKind | ''): void {
    this.kind.set(kind);
    void this.load();
  }

  clearFilters(): void {
    this.query.set('');
    this.category.set('');
    this.kind.set('');
    void this.load();
  }

  /** Loads the current tab with the current filters. */
  async load(): Promise<void> {
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = null;
    const q = this.query().trim();
    if (this.tab() === 'connectors') {
      const category = this.category();
      await this.connectors.reload((cursor) => this.api.connectors({ q, category, limit: PAGE_SIZE, cursor }));
      this.rememberCategories(this.connectors.items());
    } else {
      const kind = this.kind();
      await this.triggers.reload((cursor) => this.api.triggers({ q, kind, limit: PAGE_SIZE, cursor }));
    }
  }

  private rememberCategories(items: StoreConnector[]): void {
    const all = new Set(this.seenCategories());
    for (const c of items) for (const cat of c.categories ?? []) all.add(cat);
    if (all.size !== this.seenCategories().length) this.seenCategories.set([...all]);
  }
}
