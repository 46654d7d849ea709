import type { TestApp } from '@flowport/core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { Api, createRuntimeApp, waitUntil } from './support/platform';

// Runs go through the real executor and brokers; the repository-wide default is 5 s.
jest.setTimeout(30_000);

describe('manual, event and test runs; filter, code, retries and replay', () => {
  let t: TestApp;
  let api: Api;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    // HTTP steps reach this loopback server only because private networks are allowed here.
    t = await createRuntimeApp({}, { FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true' });
    api = new Api(t);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        res.writeHead(req.url?.startsWith('/fail') ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url, header: req.headers['x-order'] ?? null, body: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('makes an HTTP step\'s request through the sandbox with templated url, headers and body; an error status fails it', async () => {
    const flow = await api.createFlow({
      name: 'http calls',
      trigger: { type: 'manual' },
      steps: [
        {
          name: 'call',
          type: 'http',
          request: { method: 'POST', url: `${baseUrl}/orders/{{ trigger.input.id }}`, headers: { 'x-order': '{{ trigger.input.id }}' }, body: { qty: '{{ trigger.input.qty }}' } },
        },
        { name: 'after', type: 'map', expression: 'steps.call.body.body.qty * 2' },
      ],
    });
    const run = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { id: 'A7', qty: 3 } }).expect(202)).body.runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].output).toMatchObject({ status: 200, body: { method: 'POST', url: '/orders/A7', header: 'A7', body: { qty: 3 } } });
    expect(run.steps[1].output).toBe(6);

    const failing = await api.createFlow({ name: 'http fails', trigger: { type: 'manual' }, steps: [{ name: 'call', type: 'http', request: { method: 'GET', url: `${baseUrl}/fail` } }] });
    const failed = await api.waitForRun((await api.post(`/api/v1/flows/${failing.id}/runs`, {}).expect(202)).body.runId);
    expect(failed.status).toBe('failed');
    expect(failed.steps[0].error).toBe(`HTTP step "call": GET ${baseUrl}/fail answered 503`);
  });

  it('starts runs on a cron schedule (time zone given) and stops when deactivated', async () => {
    const flow = await api.createFlow({ name: 'every second', trigger: { type: 'schedule', cron: '* * * * * *', timezone: 'Europe/Paris' }, steps: [{ name: 'at', type: 'map', expression: 'trigger.messages[0].payload.scheduledAt' }] });
    const runs = await waitUntil('two scheduled runs', async () => {
      const items = (await api.get(`/api/v1/runs?flowId=${flow.id}&status=succeeded`).expect(200)).body.items as Array<{ id: string }>;
      return items.length >= 2 ? items : undefined;
    }, 10_000);
    const detail = await api.waitForRun(runs[0].id);
    expect(detail.trigger).toMatchObject({ type: 'schedule', cron: '* * * * * *', timezone: 'Europe/Paris' });
    expect(detail.steps[0].output).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
    const count = (await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items.length).toBe(count);
  });

  it('runs a manual flow: map and code steps see the input and earlier outputs, every step is recorded', async () => {
    const flow = await api.createFlow({
      name: 'manual totals',
      trigger: { type: 'manual' },
      steps: [
        { name: 'total', type: 'map', expression: '$sum(trigger.input.items.price)' },
        { name: 'label', type: 'code', code: 'log.info("labelling"); return { text: "total " + input.steps.total, count: input.trigger.messages.length };' },
      ],
    });
    const started = await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { items: [{ price: 3 }, { price: 4.5 }] } }).expect(202);
    const run = await api.waitForRun(started.body.runId);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toEqual({ type: 'manual' });
    expect(run.steps.map((s) => [s.order, s.name, s.type, s.status, s.output])).toEqual([
      [1, 'total', 'map', 'succeeded', 7.5],
      [2, 'label', 'code', 'succeeded', { text: 'total 7.5', count: 1 }],
    ]);
    for (const step of run.steps) expect(step.durationMs).toEqual(expect.any(Number));
    const logs = await api.get(`/api/v1/runs/${run.id}/logs`).expect(200);
    expect(logs.body.items).toEqual([expect.objectContaining({ step: 'label', order: 2, level: 'info', message: 'labelling' })]);
  });

  it('checks a manual run\'s input against the trigger\'s inputSchema (422 naming each problem)', async () => {
    const flow = await api.createFlow({
      name: 'typed input',
      trigger: { type: 'manual', inputSchema: { type: 'object', required: ['email'], properties: { email: { type: 'string' }, age: { type: 'integer', minimum: 0 } } } },
      steps: [{ name: 'x', type: 'map', expression: 'trigger.input.email' }],
    });
    const bad = await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { age: -1 } }).expect(422);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'input.email', message: 'is required' },
        { path: 'input.age', message: 'must be >= 0' },
      ]),
    );
    const ok = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { email: 'a@b.c', age: 3 } }).expect(202)).body.runId);
    expect(ok.steps[0].output).toBe('a@b.c');
  });

  it('ends a run as filtered when a filter step gives false, and skips the steps after it', async () => {
    const flow = await api.createFlow({
      name: 'big orders only',
      trigger: { type: 'manual' },
      steps: [
        { name: 'big', type: 'filter', condition: 'trigger.input.amount > 100' },
        { name: 'after', type: 'map', expression: '"reached"' },
      ],
    });
    const small = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { amount: 5 } }).expect(202)).body.runId);
    expect(small.status).toBe('filtered');
    expect(small.steps.map((s) => [s.name, s.status, s.output])).toEqual([['big', 'filtered', false]]);
    const big = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { amount: 500 } }).expect(202)).body.runId);
    expect(big.status).toBe('succeeded');
    expect(big.steps.map((s) => [s.name, s.status, s.output])).toEqual([
      ['big', 'succeeded', true],
      ['after', 'succeeded', 'reached'],
    ]);
  });

  it('retries a failing step with back-off, fails the run, and a replay after the fix succeeds', async () => {
    const steps = (code: string) => [
      { name: 'prepare', type: 'map', expression: '{ "id": trigger.input.id }' },
      { name: 'charge', type: 'code', code, retry: { attempts: 3, backoffMs: 50 } },
    ];
    const flow = await api.createFlow({ name: 'charging', trigger: { type: 'manual' }, steps: steps('throw new Error("card declined for " + input.steps.prepare.id);') });
    const started = Date.now();
    const failed = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { id: 'o-1' } }).expect(202)).body.runId);
    expect(failed.status).toBe('failed');
    // Back-off 50 ms then 100 ms between the three attempts.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(failed.steps[1]).toMatchObject({ name: 'charge', status: 'failed', attempts: 3 });
    expect(failed.steps[1].error).toContain('card declined for o-1');
    expect(failed.error).toMatch(/^Step "charge" failed after 3 attempt\(s\): .*card declined for o-1/);
    const logs = await api.get(`/api/v1/runs/${failed.id}/logs`).expect(200);
    expect(logs.body.items.map((l: { level: string }) => l.level)).toEqual(['warn', 'warn', 'error']);

    // A succeeded run cannot be replayed.
    const ok = await api.createFlow({ name: 'fine', trigger: { type: 'manual' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    const okRun = await api.waitForRun((await api.post(`/api/v1/flows/${ok.id}/runs`, {}).expect(202)).body.runId);
    const refused = await api.post(`/api/v1/runs/${okRun.id}/replay`).expect(409);
    expect(refused.body.error.message).toBe(`Run ${okRun.id} is succeeded; only failed or dead-lettered runs can be replayed`);

    // Fix the flow (new version), then replay: the replay runs the active version on the same input.
    await api.put(`/api/v1/flows/${flow.id}`, { name: 'charging', trigger: { type: 'manual' }, steps: steps('return { charged: input.steps.prepare.id };') }).expect(200);
    await api.post(`/api/v1/flows/${flow.id}/publish`).expect(201);
    await api.post(`/api/v1/flows/${flow.id}/activate`).expect(200);
    const replay = await api.post(`/api/v1/runs/${failed.id}/replay`).expect(202);
    const replayed = await api.waitForRun(replay.body.runId);
    expect(replayed).toMatchObject({ status: 'succeeded', replayOf: failed.id });
    expect(replayed.steps.map((s) => s.output)).toEqual([{ id: 'o-1' }, { charged: 'o-1' }]);
  });

  it('shows a step that is still running (here waiting between attempts) as running, then records its result once', async () => {
    const flow = await api.createFlow({
      name: 'slow retry',
      trigger: { type: 'manual' },
      steps: [
        { name: 'quick', type: 'map', expression: '"done"' },
        { name: 'flaky', type: 'code', code: 'throw new Error("not yet");', retry: { attempts: 2, backoffMs: 1500 } },
      ],
    });
    const runId = (await api.post(`/api/v1/flows/${flow.id}/runs`, {}).expect(202)).body.runId as string;
    const running = await waitUntil('the flaky step to show as running', async () => {
      const res = await api.get(`/api/v1/runs/${runId}`).expect(200);
      return res.body.steps.find((s: { name: string; status: string }) => s.name === 'flaky' && s.status === 'running') ? res.body : undefined;
    }, 5000, 50);
    expect(running.status).toBe('running');
    expect(running.steps[0]).toMatchObject({ name: 'quick', status: 'succeeded', output: 'done' });
    const failed = await api.waitForRun(runId);
    expect(failed.steps[1]).toMatchObject({ name: 'flaky', status: 'failed', attempts: 2, error: expect.stringContaining('not yet') });
    expect(failed.steps[1].durationMs).toBeGreaterThanOrEqual(1500);
    expect(failed.error).toMatch(/^Step "flaky" failed after 2 attempt\(s\): .*not yet/);
  });

  it('stops a step at its timeout (code never returning) and caps large step outputs in the record, not in the run', async () => {
    const flow = await api.createFlow({
      name: 'limits',
      trigger: { type: 'manual' },
      steps: [
        { name: 'big', type: 'map', expression: '$join([1..40000].("abcdefgh"))' },
        { name: 'size', type: 'map', expression: '$length(steps.big)' },
        { name: 'spin', type: 'code', code: 'while (true) {}', timeoutMs: 300 },
      ],
    });
    const started = Date.now();
    const run = await api.waitForRun((await api.post(`/api/v1/flows/${flow.id}/runs`, {}).expect(202)).body.runId);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.status).toBe('failed');
    // The next step saw the whole value; the record keeps a preview (limit 256 KiB by default).
    expect(run.steps[1].output).toBe(320_000);
    expect(run.steps[0].output).toMatchObject({ truncated: true, bytes: 320_002, limit: 256 * 1024, preview: expect.stringMatching(/^"abcdefgh/) });
    expect(run.steps[2]).toMatchObject({ name: 'spin', status: 'failed', attempts: 1 });
    expect(run.steps[2].error).toMatch(/SandboxTimeoutError/);
  });

  it('starts every active flow listening to a custom event, and only those', async () => {
    const a = await api.createFlow({ name: 'on signup A', trigger: { type: 'event', event: 'user.signup' }, steps: [{ name: 'who', type: 'map', expression: 'trigger.input.email' }] });
    const b = await api.createFlow({ name: 'on signup B', trigger: { type: 'event', event: 'user.signup' }, steps: [{ name: 'domain', type: 'map', expression: '$substringAfter(trigger.messages[0].payload.email, "@")' }] });
    await api.createFlow({ name: 'on signup inactive', trigger: { type: 'event', event: 'user.signup' }, steps: [{ name: 'x', type: 'map', expression: '1' }] }, { activate: false });
    await api.createFlow({ name: 'on other', trigger: { type: 'event', event: 'user.left' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    const res = await api.post('/api/v1/events/user.signup', { payload: { email: 'ann@example.com' } }).expect(202);
    expect(res.body.runIds).toHaveLength(2);
    const runs = await Promise.all(res.body.runIds.map((id: string) => api.waitForRun(id)));
    const byFlow = new Map(runs.map((r) => [r.flowId, r]));
    expect(byFlow.get(a.id)).toMatchObject({ status: 'succeeded', trigger: { type: 'event', event: 'user.signup' } });
    expect(byFlow.get(a.id)!.steps[0].output).toBe('ann@example.com');
    expect(byFlow.get(b.id)!.steps[0].output).toBe('example.com');
    const none = await api.post('/api/v1/events/nobody.listens', { payload: {} }).expect(202);
    expect(none.body.runIds).toEqual([]);
    const missing = await api.post('/api/v1/events/user.signup', {}).expect(400);
    expect(missing.body.error.message).toContain('payload is required');

    // Event flows are started by their event, not by hand.
    const manual = await api.post(`/api/v1/flows/${a.id}/runs`, { input: {} }).expect(409);
    expect(manual.body.error.message).toContain(`POST /api/v1/flows/${a.id}/test`);
  });

  it('lists runs newest first, filtered and paginated, and never shows another workspace\'s runs', async () => {
    const flow = await api.createFlow({ name: 'listed', trigger: { type: 'manual' }, steps: [{ name: 'x', type: 'map', expression: 'trigger.input.n' }] });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { n } }).expect(202)).body.runId);
    await Promise.all(ids.map((id) => api.waitForRun(id)));
    const page1 = await api.get(`/api/v1/runs?flowId=${flow.id}&limit=2`).expect(200);
    expect(page1.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const page2 = await api.get(`/api/v1/runs?flowId=${flow.id}&limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: ids[0], status: 'succeeded' })], nextCursor: null });
    const failedOnly = await api.get(`/api/v1/runs?flowId=${flow.id}&status=failed`).expect(200);
    expect(failedOnly.body.items).toEqual([]);
    const future = await api.get(`/api/v1/runs?flowId=${flow.id}&from=2999-01-01T00:00:00Z`).expect(200);
    expect(future.body.items).toEqual([]);

    const other = await api.post('/api/v1/workspaces', { name: 'Other' }).expect(201);
    const otherApi = new Api(t, other.body.key.key);
    const theirs = await otherApi.get(`/api/v1/runs?flowId=${flow.id}`).expect(200);
    expect(theirs.body.items).toEqual([]);
    await otherApi.get(`/api/v1/runs/${ids[0]}`).expect(404);
  });

  it('takes up a run whose replica died mid-run without re-running its completed steps', async () => {
    const flow = await api.createFlow({
      name: 'resumable',
      trigger: { type: 'manual' },
      steps: [
        { name: 'first', type: 'map', expression: '"first output"' },
        { name: 'second', type: 'map', expression: 'steps.first & " then second"' },
      ],
    });
    const db = t.db;
    // What a replica killed after step 1 leaves behind: a running run with an expired claim.
    const runId = '00000000-0000-4000-8000-000000000001';
    const version = (await api.get(`/api/v1/flows/${flow.id}`).expect(200)).body.activeVersion as number;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, claimed_by, claim_expires_at, started_at, claims)
         VALUES ($1, $2, $3, $4, 'running', '{"type":"manual"}', '{"input":null,"messages":[]}', 'dead-replica', now() - interval '1 second', now(), 1)`,
        [runId, flow.id, t.workspaceId, version],
      );
      await client.query(
        `INSERT INTO run_steps (run_id, position, name, type, status, output, attempts, finished_at, duration_ms)
         VALUES ($1, 0, 'first', 'map', 'succeeded', '"recorded before the crash"', 1, now(), 1)`,
        [runId],
      );
    } finally {
      await client.end();
    }
    const run = await waitUntil('the abandoned run to finish', async () => {
      const res = await api.get(`/api/v1/runs/${runId}`).expect(200);
      return res.body.status === 'succeeded' ? res.body : undefined;
    });
    expect(run.steps.map((s: { output: unknown }) => s.output)).toEqual(['recorded before the crash', 'recorded before the crash then second']);
  });

  it('dead-letters a run that was abandoned as many times as maxRunClaims allows', async () => {
    const flow = await api.createFlow({ name: 'poison', trigger: { type: 'manual' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    const version = (await api.get(`/api/v1/flows/${flow.id}`).expect(200)).body.activeVersion as number;
    const runId = '00000000-0000-4000-8000-000000000002';
    const client = new Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO runs (id, flow_id, workspace_id, flow_version, status, trigger, input, claimed_by, claim_expires_at, started_at, claims)
         VALUES ($1, $2, $3, $4, 'running', '{"type":"manual"}', '{"input":null,"messages":[]}', 'dead-replica', now() - interval '1 second', now(), 3)`,
        [runId, flow.id, t.workspaceId, version],
      );
    } finally {
      await client.end();
    }
    const run = await waitUntil('the run to be dead-lettered', async () => {
      const res = await api.get(`/api/v1/runs/${runId}`).expect(200);
      return res.body.status === 'dead-lettered' ? res.body : undefined;
    });
    expect(run.error).toBe('The run was abandoned by its runtime replica 3 times (crash or overload); replay it once the cause is fixed');
    const replay = await api.waitForRun((await api.post(`/api/v1/runs/${runId}/replay`).expect(202)).body.runId);
    expect(replay).toMatchObject({ status: 'succeeded', replayOf: runId });
  });
});
