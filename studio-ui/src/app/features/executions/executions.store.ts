import { Injectable, computed, inject, signal } from '@angular/core';
import { ApiError } from '../../core/api/api-error';
import { FlowsApi } from '../../core/api/flows-api.service';
import { Flow } from '../../core/api/models';
import { PagedList } from '../../core/api/paged-list';
import { Remote, call } from '../../core/api/remote';
import { ResyncBucket, Run, RunQuery, RunStatus } from '../../core/api/run-models';
import { RunsApi } from '../../core/api/runs-api.service';

export type TimeRange = '' | '1h' | '24h' | '7d' | 'custom';
const RANGE_MS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };
const PAGE_SIZE = 25;

/**
 * Runs of one flow (`flowId` set) or of the whole workspace: filters (status, time, External ID),
 * cursor pages, a refresh that merges new runs in on top, the flow's resync bucket and replay.
 */
@Injectable()
export class ExecutionsStore {
  private readonly runsApi = inject(RunsApi);
  private readonly flowsApi = inject(FlowsApi);

  readonly runs = new PagedList<Run>();
  readonly flow = new Remote<Flow>();
  readonly resync = new Remote<ResyncBucket>();
  readonly flowNames = signal<Record<string, string>>({});

  readonly flowId = signal<string | null>(null);
  readonly status = signal<RunStatus | ''>('');
  readonly range = signal<TimeRange>('');
  /** `datetime-local` values for the custom range. */
  readonly from = signal('');
  readonly to = signal('');
  readonly externalId = signal('');
  readonly filterError = signal<string | null>(null);

  readonly replaying = signal<string | null>(null);
  readonly replayError = signal<ApiError | null>(null);
  readonly replayed = signal<{ from: string; runId: string } | null>(null);

  readonly filtered = computed(() => !!(this.status() || this.range() || this.externalId().trim()));
  private querySeq = 0;

  /** The query the filters describe, or null with `filterError` set when the custom range is invalid. */
  query(now = Date.now()): RunQuery | null {
    const q: RunQuery = { flowId: this.flowId() ?? undefined, status: this.status() || undefined, externalId: this.externalId().trim() || undefined, limit: PAGE_SIZE };
    const range = this.range();
    if (range && range !== 'custom') q.from = new Date(now - RANGE_MS[range]).toISOString();
    if (range === 'custom') {
      const from = this.from() ? new Date(this.from()) : null;
      const to = this.to() ? new Date(this.to()) : null;
      if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) {
        this.filterError.set('From and To must be dates and times, e.g. 2026-11-25 09:00.');
        return null;
      }
      if (from && to && from >= to) {
        this.filterError.set('From must be before To; swap the two times.');
        return null;
      }
      q.from = from?.toISOString();
      q.to = to?.toISOString();
    }
    this.filterError.set(null);
    return q;
  }

  async open(flowId: string | null): Promise<void> {
    this.flowId.set(flowId);
    const tasks: Array<Promise<unknown>> = [this.search()];
    if (flowId) {
      tasks.push(this.flow.load(this.flowsApi.get(flowId)));
      tasks.push(this.resync.load(this.flowsApi.resync(flowId)));
    } else {
      tasks.push(this.loadFlowNames());
    }
    await Promise.all(tasks);
  }

  search(): Promise<void> {
    const q = this.query();
    if (!q) return Promise.resolve();
    this.querySeq++;
    return this.runs.reload((cursor) => this.runsApi.list({ ...q, cursor }));
  }

  clearFilters(): Promise<void> {
    this.status.set('');
    this.range.set('');
    this.from.set('');
    this.to.set('');
    this.externalId.set('');
    return this.search();
  }

  /** Fetches the newest page again and merges it in on top (new runs appear, statuses update), keeping older pages. */
  async refresh(): Promise<void> {
    const q = this.query();
    if (!q || this.runs.loading()) return;
    const seq = this.querySeq;
    const [page] = await Promise.all([
      call(this.runsApi.list({ ...q, cursor: null })),
      this.flowId() ? call(this.flowsApi.resync(this.flowId()!)).then((r) => this.resync.set(r), () => undefined) : Promise.resolve(),
    ]);
    if (seq !== this.querySeq) return;
    const fresh = new Set(page.items.map((r) => r.id));
    this.runs.update((items) => [...page.items, ...items.filter((r) => !fresh.has(r.id))]);
    if (!this.flowId() && page.items.some((r) => !(r.flowId in this.flowNames()))) await this.loadFlowNames();
  }

  /** Replays a failed run, or only some of its messages (from the resync bucket). */
  async replay(runId: string, messageIds?: string[]): Promise<string | null> {
    this.replaying.set(messageIds?.[0] ?? runId);
    this.replayError.set(null);
    this.replayed.set(null);
    try {
      const started = await call(this.runsApi.replay(runId, messageIds));
      this.replayed.set({ from: runId, runId: started.runId });
      await this.refresh();
      return started.runId;
    } catch (err) {
      this.replayError.set(err as ApiError);
      return null;
    } finally {
      this.replaying.set(null);
    }
  }

  private async loadFlowNames(): Promise<void> {
    try {
      const page = await call(this.flowsApi.list({ limit: 100 }));
      this.flowNames.set(Object.fromEntries(page.items.map((f) => [f.id, f.name])));
    } catch {
      // Names are a convenience: rows fall back to the flow id.
    }
  }
}
