import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ResyncBucket, Run } from '../../core/api/run-models';
import { page, settle } from '../../../testing/fixtures';
import { ExecutionsPage } from './executions.page';
import { ExecutionsStore } from './executions.store';
import { VisiblePoller } from './visible-poller';

const FLOW = '0b8a3a43-2f5c-4e54-9d59-3f2b8f1f0c11';

function run(id: string, over: Partial<Run> = {}): Run {
  return {
    id,
    flowId: FLOW,
    flowVersion: 1,
    status: 'succeeded',
    trigger: { type: 'connector' },
    messageCount: 2,
    replayOf: null,
    error: null,
    createdAt: '2026-11-25T10:00:00Z',
    startedAt: '2026-11-25T10:00:00Z',
    finishedAt: '2026-11-25T10:00:01Z',
    durationMs: 840,
    ...over,
  };
}

describe('ExecutionsPage', () => {
  let http: HttpTestingController;
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    http.verify();
    jest.useRealTimers();
  });

  async function openGlobal(runs: Run[]) {
    const fixture = TestBed.createComponent(ExecutionsPage);
    await fixture.whenStable();
    http.expectOne((r) => r.url === '/api/v1/runs').flush(page(runs, 'c2'));
    http.expectOne((r) => r.url === '/api/v1/flows').flush(page([{ id: FLOW, name: 'Sync new orders' }]));
    await settle(fixture);
    const el: HTMLElement = fixture.nativeElement;
    const rows = () => [...el.querySelectorAll('[data-run]')].map((r) => r.getAttribute('data-run'));
    return { fixture, el, rows, store: fixture.debugElement.injector.get(ExecutionsStore) };
  }

  it('lists runs with status, flow name, duration and trigger, and loads older pages', async () => {
    const { el, rows, fixture } = await openGlobal([run('r2', { status: 'failed', error: 'Step "send" failed: 503' }), run('r1')]);
    expect(rows()).toEqual(['r2', 'r1']);
    const first = el.querySelector('[data-run="r2"]')!;
    expect(first.querySelector('.badge-danger')?.textContent).toContain('failed');
    expect(first.textContent).toContain('Sync new orders');
    expect(first.textContent).toContain('840 ms');
    expect(first.textContent).toContain('503');
    expect(first.querySelector('a')?.getAttribute('href')).toBe('/executions/r2');
    (el.querySelector('.more button') as HTMLButtonElement).click();
    const older = http.expectOne((r) => r.url === '/api/v1/runs' && r.params.get('cursor') === 'c2');
    older.flush(page([run('r0')]));
    await settle(fixture);
    expect(rows()).toEqual(['r2', 'r1', 'r0']);
  });

  it('filters by status and time range and searches by External ID', async () => {
    const { el, fixture } = await openGlobal([run('r1')]);
    const status = el.querySelector<HTMLSelectElement>('#runs-status')!;
    status.value = 'failed';
    status.dispatchEvent(new Event('change'));
    let req = http.expectOne((r) => r.url === '/api/v1/runs');
    expect(req.request.params.get('status')).toBe('failed');
    req.flush(page([]));
    await settle(fixture);
    expect(el.querySelector('[data-empty]')?.textContent).toContain('No runs match these filters');

    const range = el.querySelector<HTMLSelectElement>('#runs-range')!;
    range.value = '1h';
    range.dispatchEvent(new Event('change'));
    req = http.expectOne((r) => r.url === '/api/v1/runs');
    const from = Date.parse(req.request.params.get('from')!);
    expect(Math.abs(Date.now() - 3_600_000 - from)).toBeLessThan(60_000);
    expect(req.request.params.get('status')).toBe('failed');
    req.flush(page([]));

    const search = el.querySelector<HTMLInputElement>('#runs-external-id')!;
    search.value = 'order-1042';
    search.dispatchEvent(new Event('input'));
    el.querySelector<HTMLFormElement>('form.filters')!.dispatchEvent(new Event('submit'));
    req = http.expectOne((r) => r.url === '/api/v1/runs');
    expect(req.request.params.get('externalId')).toBe('order-1042');
    req.flush(page([run('r7')]));
    await settle(fixture);
    expect(el.querySelector('[data-run="r7"]')).not.toBeNull();

    (el.querySelector('.filters .clear') as HTMLButtonElement).click();
    req = http.expectOne((r) => r.url === '/api/v1/runs');
    expect(req.request.params.keys().sort()).toEqual(['limit']);
    req.flush(page([]));
    await settle(fixture);
    expect(el.querySelector('[data-empty]')?.textContent).toContain('Runs appear here when an active flow starts');
  });

  it('refuses a custom range whose start is after its end', async () => {
    const { store } = await openGlobal([]);
    store.range.set('custom');
    store.from.set('2026-11-25T12:00');
    store.to.set('2026-11-25T09:00');
    await store.search();
    expect(store.filterError()).toBe('From must be before To; swap the two times.');
    http.expectNone((r) => r.url === '/api/v1/runs');
  });

  it('merges new runs in on top when it refreshes, without a reload', async () => {
    const { rows, fixture, store } = await openGlobal([run('r1', { status: 'running', durationMs: null })]);
    const refreshed = store.refresh();
    http.expectOne((r) => r.url === '/api/v1/runs' && !r.params.has('cursor')).flush(page([run('r2', { status: 'queued' }), run('r1', { status: 'succeeded' })]));
    await refreshed;
    await settle(fixture);
    expect(rows()).toEqual(['r2', 'r1']);
    expect(fixture.nativeElement.querySelector('[data-run="r1"] .badge-success')?.textContent).toContain('succeeded');
    expect(fixture.nativeElement.querySelector('[data-run="r2"] .badge-primary')?.textContent).toContain('queued');
    expect(fixture.nativeElement.textContent).toContain('Live');
  });

  it("shows one flow's resync bucket and replays a failed message", async () => {
    const bucket: ResyncBucket = {
      flowId: FLOW,
      counts: { succeeded: 3, failed: 1, unprocessed: 0, skipped: 1 },
      messages: {
        succeeded: [],
        failed: [{ id: 'm1', externalId: 'order-7', messageId: 'sqs-1', runId: 'r5', runStatus: 'failed', reason: null, error: 'HTTP 503 from api.example.com', receivedAt: '2026-11-25T10:00:00Z' }],
        unprocessed: [],
        skipped: [{ id: 'm2', externalId: 'order-7', messageId: 'sqs-2', runId: null, runStatus: null, reason: 'duplicate', error: null, receivedAt: '2026-11-25T10:00:02Z' }],
      },
    };
    const fixture = TestBed.createComponent(ExecutionsPage);
    fixture.componentRef.setInput('id', FLOW);
    await fixture.whenStable();
    const list = http.expectOne((r) => r.url === '/api/v1/runs');
    expect(list.request.params.get('flowId')).toBe(FLOW);
    list.flush(page([run('r5', { status: 'failed' })]));
    http.expectOne(`/api/v1/flows/${FLOW}`).flush({ id: FLOW, name: 'Sync new orders', draft: { trigger: { type: 'manual' }, steps: [] } });
    http.expectOne(`/api/v1/flows/${FLOW}/resync`).flush(bucket);
    await settle(fixture);
    const el: HTMLElement = fixture.nativeElement;
    expect(el.querySelector('h1')?.textContent).toContain('Sync new orders');
    expect(el.querySelector('[data-group="failed"]')?.textContent).toContain('1');
    const row = el.querySelector('[data-message="m1"]')!;
    expect(row.textContent).toContain('order-7');
    expect(row.textContent).toContain('HTTP 503');
    (row.querySelector('button') as HTMLButtonElement).click();
    const replay = http.expectOne('/api/v1/runs/r5/replay');
    expect(replay.request.method).toBe('POST');
    expect(replay.request.body).toEqual({ messageIds: ['m1'] });
    replay.flush({ runId: 'r6' });
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/v1/runs').flush(page([run('r6', { status: 'queued', replayOf: 'r5', trigger: { type: 'connector', replayOf: 'r5' } }), run('r5', { status: 'failed' })]));
    http.expectOne(`/api/v1/flows/${FLOW}/resync`).flush({ ...bucket, counts: { ...bucket.counts, failed: 0, unprocessed: 1 }, messages: { ...bucket.messages, failed: [] } });
    await settle(fixture);
    expect(el.querySelector('.resync .alert-success a')?.getAttribute('href')).toBe('/executions/r6');
    expect(el.querySelector('[data-run="r6"]')?.textContent).toContain('replay');
    expect(el.querySelector('[data-empty-group]')?.textContent).toContain('Nothing to replay');

    (el.querySelector('[data-group="skipped"]') as HTMLButtonElement).click();
    await settle(fixture);
    expect(el.querySelector('[data-message="m2"]')?.textContent).toContain('duplicate');
  });
});

const flushPromises = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('VisiblePoller', () => {
  afterEach(() => jest.useRealTimers());

  it('ticks every interval while the page is visible, skips hidden pages and never overlaps', async () => {
    jest.useFakeTimers();
    let visibility: DocumentVisibilityState = 'visible';
    const doc = Object.defineProperty(new EventTarget(), 'visibilityState', { get: () => visibility }) as unknown as Document;
    let release: () => void = () => undefined;
    const tick = jest.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const poller = new VisiblePoller(tick, 2000, doc);
    poller.start();
    jest.advanceTimersByTime(1999);
    expect(tick).toHaveBeenCalledTimes(0);
    jest.advanceTimersByTime(1);
    expect(tick).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(2000); // still running: no second call
    expect(tick).toHaveBeenCalledTimes(1);
    release();
    await flushPromises();
    visibility = 'hidden';
    jest.advanceTimersByTime(6000);
    expect(tick).toHaveBeenCalledTimes(1);
    visibility = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(tick).toHaveBeenCalledTimes(2);
    release();
    await flushPromises();
    poller.stop();
    jest.advanceTimersByTime(10_000);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(poller.active).toBe(false);
  });
});
