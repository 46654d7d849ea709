import { ChangeDetectionStrategy, Component, OnInit, inject, input } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { TRIGGER_KINDS, TriggerKind } from '../../core/api/models';
import { ConnectorIcon } from '../../shared/ui/connector-icon';
import { KindBadge, triggerKindLabel } from '../../shared/ui/kind-badge';
import { RequestState } from '../../shared/ui/request-state';
import { ConnectorStoreStore, StoreTab } from './connector-store.store';

@Component({
  selector: 'fp-store-page',
  imports: [RouterLink, ConnectorIcon, KindBadge, RequestState],
  providers: [ConnectorStoreStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './store.page.html',
  styleUrl: './store.page.scss',
})
export class StorePage implements OnInit {
  protected readonly store = inject(ConnectorStoreStore);
  private readonly router = inject(Router);

  /** `?tab=triggers` opens the Triggers tab (router input binding). */
  readonly tab = input<string>();

  protected readonly kinds = TRIGGER_KINDS;
  protected readonly kindLabel = triggerKindLabel;

  ngOnInit(): void {
    this.store.tab.set(this.tab() === 'triggers' ? 'triggers' : 'connectors');
    void this.store.load();
  }

  protected selectTab(tab: StoreTab): void {
    this.store.selectTab(tab);
    void this.router.navigate([], { queryParams: { tab: tab === 'triggers' ? 'triggers' : null }, replaceUrl: true });
  }

  /** Arrow keys move between tabs, as in the WAI-ARIA tabs pattern. */
  protected onTabKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    event.preventDefault();
    const next: StoreTab = this.store.tab() === 'connectors' ? 'triggers' : 'connectors';
    this.selectTab(next);
    document.getElementById(`store-tab-${next}`)?.focus();
  }

  protected onKind(value: string): void {
    this.store.setKind((this.kinds as readonly string[]).includes(value) ? (value as TriggerKind) : '');
  }

  protected propNames(props: { properties?: Record<string, { title?: string }> }): string[] {
    return Object.entries(props?.properties ?? {})
      .filter(([key]) => key !== 'batchSize' && key !== 'externalId')
      .map(([key, p]) => p.title ?? key);
  }
}
