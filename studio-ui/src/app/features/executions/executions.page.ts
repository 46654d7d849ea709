import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import { RESYNC_GROUPS, RUN_STATUSES, ResyncGroup, RunStatus } from '../../core/api/run-models';
import { ErrorAlert } from '../../shared/ui/error-alert';
import { RequestState } from '../../shared/ui/request-state';
import { ExecutionsStore, TimeRange } from './executions.store';
import { describeRunTrigger, formatDuration, runStatusClass } from './run-format';
import { VisiblePoller } from './visible-poller';

export const POLL_INTERVAL_MS = 2000;

/** Executions: every run (at /executions) or one flow's runs and resync bucket (at /flows/:id/executions). */
@Component({
  selector: 'fp-executions-page',
  imports: [RouterLink, DatePipe, RequestState, ErrorAlert],
  providers: [ExecutionsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './executions.page.html',
  styleUrl: './executions.page.scss',
})
export class ExecutionsPage {
  protected readonly store = inject(ExecutionsStore);
  /** Route parameter `:id` of /flows/:id/executions; absent on the global page. */
  readonly id = input<string | undefined>(undefined);

  protected readonly statuses = RUN_STATUSES;
  protected readonly groups = RESYNC_GROUPS;
  protected readonly statusClass = runStatusClass;
  protected readonly duration = formatDuration;
  protected readonly describeTrigger = describeRunTrigger;
  protected readonly ranges: ReadonlyArray<{ value: TimeRange; label: string }> = [
    { value: '', label: 'Any time' },
    { value: '1h', label: 'Last hour' },
    { value: '24h', label: 'Last 24 hours' },
    { value: '7d', label: 'Last 7 days' },
    { value: 'custom', label: 'Between…' },
  ];
  protected readonly group = signal<ResyncGroup>('failed');
  protected readonly externalIdText = signal('');

  protected readonly title = computed(() => (this.id() ? `${this.store.flow.value()?.name ?? 'Flow'} · executions` : 'Executions'));
  protected readonly poller = new VisiblePoller(() => this.store.refresh(), POLL_INTERVAL_MS);

  constructor() {
    effect(() => {
      const id = this.id() ?? null;
      untracked(() => void this.store.open(id));
    });
    this.poller.start();
    inject(DestroyRef).onDestroy(() => this.poller.stop());
  }

  protected setStatus(value: string): void {
    this.store.status.set(value as RunStatus | '');
    void this.store.search();
  }

  protected setRange(value: string): void {
    this.store.range.set(value as TimeRange);
    if (value !== 'custom') void this.store.search();
  }

  protected searchExternalId(event: Event): void {
    event.preventDefault();
    this.store.externalId.set(this.externalIdText());
    void this.store.search();
  }

  protected clear(): void {
    this.externalIdText.set('');
    void this.store.clearFilters();
  }

  protected flowName(flowId: string): string {
    return this.store.flowNames()[flowId] ?? this.store.flow.value()?.name ?? flowId;
  }
}
