import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, untracked } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ErrorAlert } from '../../shared/ui/error-alert';
import { RequestState } from '../../shared/ui/request-state';
import { POLL_INTERVAL_MS } from './executions.page';
import { JsonView } from './json-view';
import { RunDetailStore } from './run-detail.store';
import { describeRunTrigger, formatDuration, runStatusClass } from './run-format';
import { VisiblePoller } from './visible-poller';

/** One run: summary, the timeline of its steps (input/output/logs), the batch's messages, replay. */
@Component({
  selector: 'fp-run-detail-page',
  imports: [RouterLink, DatePipe, RequestState, ErrorAlert, JsonView],
  providers: [RunDetailStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './run-detail.page.html',
  styleUrl: './run-detail.page.scss',
})
export class RunDetailPage {
  protected readonly store = inject(RunDetailStore);
  private readonly router = inject(Router);
  /** Route parameter `:runId`. */
  readonly runId = input.required<string>();

  protected readonly statusClass = runStatusClass;
  protected readonly duration = formatDuration;
  protected readonly describeTrigger = describeRunTrigger;
  private readonly poller = new VisiblePoller(() => this.store.refresh(), POLL_INTERVAL_MS);

  protected readonly logsByStep = computed(() => {
    const out: Record<number, Array<{ level: string; message: string; at: string }>> = {};
    for (const l of this.store.logs.value()?.items ?? []) (out[l.order] ??= []).push(l);
    return out;
  });

  constructor() {
    effect(() => {
      const id = this.runId();
      untracked(() => void this.store.load(id));
    });
    this.poller.start();
    inject(DestroyRef).onDestroy(() => this.poller.stop());
  }

  protected async replay(): Promise<void> {
    const runId = await this.store.replay();
    if (runId) await this.router.navigate(['/executions', runId]);
  }
}
