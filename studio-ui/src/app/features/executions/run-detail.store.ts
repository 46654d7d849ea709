import { Injectable, computed, inject, signal } from '@angular/core';
import { ApiError } from '../../core/api/api-error';
import { Remote, call } from '../../core/api/remote';
import { RunDetail, RunLogs } from '../../core/api/run-models';
import { RunsApi } from '../../core/api/runs-api.service';
import { isReplayable } from './run-format';

/** One run: its steps, messages and logs; refreshed while it is queued or running; replay. */
@Injectable()
export class RunDetailStore {
  private readonly api = inject(RunsApi);

  readonly run = new Remote<RunDetail>();
  readonly logs = new Remote<RunLogs>();
  readonly replaying = signal(false);
  readonly replayError = signal<ApiError | null>(null);

  readonly inProgress = computed(() => {
    const s = this.run.value()?.status;
    return s === 'queued' || s === 'running';
  });
  readonly canReplay = computed(() => isReplayable(this.run.value()?.status ?? ''));

  async load(id: string): Promise<void> {
    this.replayError.set(null);
    await Promise.all([this.run.load(this.api.get(id)), this.logs.load(this.api.logs(id))]);
  }

  /** Polling: only while the run is not finished; failures keep what is shown. */
  async refresh(): Promise<void> {
    const run = this.run.value();
    if (!run || !this.inProgress()) return;
    const [detail, logs] = await Promise.all([call(this.api.get(run.id)), call(this.api.logs(run.id))]);
    this.run.set(detail);
    this.logs.set(logs);
  }

  async replay(): Promise<string | null> {
    const run = this.run.value();
    if (!run) return null;
    this.replaying.set(true);
    this.replayError.set(null);
    try {
      return (await call(this.api.replay(run.id))).runId;
    } catch (err) {
      this.replayError.set(err as ApiError);
      return null;
    } finally {
      this.replaying.set(false);
    }
  }
}
