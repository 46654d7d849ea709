import type { TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import { Api, createReplica, createRuntimeApp, type RunDetail } from './support/platform';

// Runs go through the real executor; the repository-wide default is 5 s.
jest.setTimeout(30_000);

describe('webhook External ID: a call whose External ID the flow already recorded starts nothing', () => {
  let t: TestApp;
  let api: Api;
  let db: Client;
  let replica: NestExpressApplication | undefined;

  const hook = (flow: { id: string; webhookToken?: string }, server = t.server) => request(server).post(`/hooks/${flow.id}`).set('X-Flowport-Token', flow.webhookToken!);
  const steps = [
    { name: 'order', type: 'map', expression: 'trigger.input.id' },
    { name: 'greeting', type: 'code', code: 'return "hello " + input.trigger.input.customer;' },
  ];
  const stepRowsOf = async (flowId: string) =>
    Number((await db.query('SELECT count(*) AS n FROM run_steps s JOIN runs r ON r.id = s.run_id WHERE r.flow_id = $1', [flowId])).rows[0].n);
  const runsOf = async (flowId: string) =>
    (await db.query<{ id: string; status: string }>('SELECT id, status FROM runs WHERE flow_id = $1 ORDER BY created_at', [flowId])).rows;

  beforeAll(async () => {
    t = await createRuntimeApp({ webhookRateLimit: { limit: 1000, windowMs: 60_000 } });
    api = new Api(t);
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await replica?.close();
    await db?.end();
    await t?.close();
  });

  it('the same External ID twice: 202 then 200 duplicate; the steps run once; the duplicate run is in the runs API and the hook status', async () => {
    const flow = await api.createFlow({ name: 'orders once', trigger: { type: 'webhook', externalId: 'body.id' }, steps });

    const first = await hook(flow).send({ id: 'evt_1', customer: 'Ann' }).expect(202);
    expect(first.body).toEqual({ runId: expect.any(String) });
    const original = await api.waitForRun(first.body.runId);
    expect(original.status).toBe('succeeded');
    expect(original.messages).toEqual([expect.objectContaining({ id: expect.any(String), externalId: 'evt_1', status: 'accepted', payload: { id: 'evt_1', customer: 'Ann' } })]);

    // A redelivery (even with another body) is recorded, answered at once, and starts nothing.
    const again = await hook(flow).send({ id: 'evt_1', customer: 'Ann (retry)' }).expect(200);
    expect(again.body).toEqual({ runId: expect.any(String), status: 'duplicate', duplicateOf: first.body.runId });
    expect(again.body.runId).not.toBe(first.body.runId);

    const duplicate = (await api.get(`/api/v1/runs/${again.body.runId}`).expect(200)).body as RunDetail & { duplicateOf: string; finishedAt: string; durationMs: number };
    expect(duplicate).toMatchObject({ status: 'duplicate', duplicateOf: first.body.runId, trigger: { type: 'webhook', duplicateOf: first.body.runId }, messageCount: 1, durationMs: 0, steps: [] });
    expect(duplicate.finishedAt).toEqual(expect.any(String));
    expect(duplicate.messages).toEqual([
      expect.objectContaining({ externalId: 'evt_1', status: 'duplicate', duplicateOf: first.body.runId, payload: { id: 'evt_1', customer: 'Ann (retry)' } }),
    ]);
    const status = await request(t.server).get(`/hooks/${flow.id}/runs/${again.body.runId}`).set('X-Flowport-Token', flow.webhookToken!).expect(200);
    expect(status.body).toMatchObject({ runId: again.body.runId, status: 'duplicate', duplicateOf: first.body.runId, steps: [] });
    const originalStatus = await request(t.server).get(`/hooks/${flow.id}/runs/${first.body.runId}`).set('X-Flowport-Token', flow.webhookToken!).expect(200);
    expect(originalStatus.body).toMatchObject({ status: 'succeeded', duplicateOf: null });

    // The executor never takes a duplicate run: the two steps ran once, for the original.
    await new Promise((r) => setTimeout(r, 500));
    expect(await stepRowsOf(flow.id)).toBe(2);
    expect((await api.get(`/api/v1/runs/${again.body.runId}`).expect(200)).body.status).toBe('duplicate');

    const listed = await api.get(`/api/v1/runs?flowId=${flow.id}&status=duplicate`).expect(200);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([again.body.runId]);
    const byExternalId = await api.get(`/api/v1/runs?flowId=${flow.id}&externalId=evt_1`).expect(200);
    expect(byExternalId.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
      [again.body.runId, 'duplicate'],
      [first.body.runId, 'succeeded'],
    ]);

    // The message rows: one accepted (the original run), one duplicate (its own run), under the stream path's unique index.
    const rows = await db.query('SELECT run_id, external_id, status FROM run_messages WHERE flow_id = $1 ORDER BY created_at', [flow.id]);
    expect(rows.rows).toEqual([
      { run_id: first.body.runId, external_id: 'evt_1', status: 'accepted' },
      { run_id: again.body.runId, external_id: 'evt_1', status: 'duplicate' },
    ]);

    // Another External ID starts its own run.
    const other = await hook(flow).send({ id: 'evt_2', customer: 'Bob' }).expect(202);
    expect((await api.waitForRun(other.body.runId)).steps[1].output).toBe('hello Bob');
  });

  it('10 concurrent calls with one External ID, spread over two runtime replicas: exactly 1 accepted, 9 duplicates of it', async () => {
    const flow = await api.createFlow({ name: 'storm', trigger: { type: 'webhook', externalId: 'headers."x-delivery-id"' }, steps });
    replica ??= await createReplica(t);
    const servers = [t.server, replica.getHttpServer()];
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => hook(flow, servers[i % 2]).set('X-Delivery-Id', 'dlv-42').send({ id: `call-${i}`, customer: 'Cy' })),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const duplicates = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(duplicates).toHaveLength(9);
    const runId = accepted[0].body.runId as string;
    for (const d of duplicates) expect(d.body).toEqual({ runId: expect.any(String), status: 'duplicate', duplicateOf: runId });
    expect(new Set(duplicates.map((d) => d.body.runId)).size).toBe(9);

    expect((await api.waitForRun(runId)).status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 500));
    const runs = await runsOf(flow.id);
    expect(runs.filter((r) => r.status === 'duplicate')).toHaveLength(9);
    expect(runs.filter((r) => r.status !== 'duplicate')).toEqual([{ id: runId, status: 'succeeded' }]);
    expect(await stepRowsOf(flow.id)).toBe(2);
    const byExternalId = await api.get(`/api/v1/runs?flowId=${flow.id}&externalId=dlv-42&limit=100`).expect(200);
    expect(byExternalId.body.items).toHaveLength(10);
  });

  it('without an External ID every call starts a run, even with the same body', async () => {
    const flow = await api.createFlow({ name: 'every call', trigger: { type: 'webhook' }, steps });
    const answers = await Promise.all([1, 2, 3].map(() => hook(flow).send({ id: 'same', customer: 'Di' }).expect(202)));
    const ids = answers.map((a) => a.body.runId as string);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect((await api.waitForRun(id)).status).toBe('succeeded');
    expect(await stepRowsOf(flow.id)).toBe(6);
    expect((await db.query('SELECT count(*)::int AS n FROM run_messages WHERE flow_id = $1', [flow.id])).rows[0].n).toBe(0);
  });

  it('a call whose External ID is empty or missing is not de-duplicated; the flow token is not a header the expression can read', async () => {
    const flow = await api.createFlow({ name: 'optional id', trigger: { type: 'webhook', externalId: 'query.delivery' }, steps });
    const a = await hook(flow).send({ id: 'x', customer: 'Ed' }).expect(202);
    const b = await hook(flow).query({ delivery: '' }).send({ id: 'x', customer: 'Ed' }).expect(202);
    expect(a.body.runId).not.toBe(b.body.runId);
    await hook(flow).query({ delivery: 'd-1' }).send({ id: 'x', customer: 'Ed' }).expect(202);
    await hook(flow).query({ delivery: 'd-1' }).send({ id: 'x', customer: 'Ed' }).expect(200);

    const tokenFlow = await api.createFlow({ name: 'token id', trigger: { type: 'webhook', externalId: '$string(headers."x-flowport-token") & $string(headers.authorization)' }, steps });
    const c = await hook(tokenFlow).send({ id: 'x', customer: 'Ed' }).expect(202);
    const d = await hook(tokenFlow).send({ id: 'x', customer: 'Ed' }).expect(202);
    expect(c.body.runId).not.toBe(d.body.runId);
  });

  it('an expression that fails or gives a list or an object at intake refuses the call with 422 naming trigger.externalId', async () => {
    const flow = await api.createFlow({ name: 'strict id', trigger: { type: 'webhook', externalId: '$number(body.id)' }, steps });
    const failed = await hook(flow).send({ id: 'not-a-number', customer: 'Flo' }).expect(422);
    expect(failed.body.error).toEqual({
      code: 'EXTERNAL_ID_INVALID',
      message: expect.stringMatching(/^External ID expression "\$number\(body\.id\)" failed for this call: .+\. Send the field the flow's External ID reads \(trigger\.externalId\), or change the expression so it picks one value per delivery, e\.g\. body\.id$/),
      details: [{ path: 'trigger.externalId', message: expect.stringContaining('failed for this call') }],
    });
    await hook(flow).send({ id: 7, customer: 'Flo' }).expect(202);
    await hook(flow).send({ id: 7, customer: 'Flo' }).expect(200);

    const list = await api.createFlow({ name: 'list id', trigger: { type: 'webhook', externalId: 'body.items.sku' }, steps });
    const many = await hook(list).send({ id: 'l', customer: 'Gus', items: [{ sku: 'a' }, { sku: 'b' }] }).expect(422);
    expect(many.body.error.details).toEqual([{ path: 'trigger.externalId', message: 'External ID expression "body.items.sku" gave a list of 2 for this call; it must give text or a number' }]);
    const object = await hook(list).send({ id: 'o', customer: 'Gus', items: { sku: { code: 1 } } }).expect(422);
    expect(object.body.error.details[0].message).toBe('External ID expression "body.items.sku" gave an object for this call; it must give text or a number');
    const long = await hook(list).send({ id: 'o', customer: 'Gus', items: { sku: 'x'.repeat(1025) } }).expect(422);
    expect(long.body.error.details[0].message).toBe('External ID of this call is 1025 bytes; it may be at most 1024');
    // Nothing was recorded for the refused calls.
    expect(await runsOf(list.id)).toEqual([]);
  });

  it('a failed run of a de-duplicated call replays (the replay is not a duplicate) and shows in the resync view', async () => {
    const flow = await api.createFlow({
      name: 'fragile',
      trigger: { type: 'webhook', externalId: 'body.id' },
      steps: [{ name: 'check', type: 'code', code: 'if (input.trigger.input.fail) throw new Error("refused " + input.trigger.messages[0].externalId); return "ok";' }],
    });
    const first = await hook(flow).send({ id: 'r-1', fail: true }).expect(202);
    const failed = await api.waitForRun(first.body.runId);
    expect(failed).toMatchObject({ status: 'failed', messages: [{ externalId: 'r-1', status: 'accepted' }] });
    expect(failed.steps[0].error).toContain('refused r-1');
    await hook(flow).send({ id: 'r-1', fail: true }).expect(200);

    const replay = await api.waitForRun((await api.post(`/api/v1/runs/${first.body.runId}/replay`).expect(202)).body.runId);
    expect(replay).toMatchObject({ status: 'failed', replayOf: first.body.runId, messages: [{ id: failed.messages[0].id, externalId: 'r-1' }] });
    const resync = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
    expect(resync.body.counts).toEqual({ succeeded: 0, failed: 1, unprocessed: 0, skipped: 1 });
    expect(resync.body.messages.failed).toEqual([expect.objectContaining({ id: failed.messages[0].id, externalId: 'r-1', runId: replay.id, runStatus: 'failed' })]);
    expect(resync.body.messages.skipped).toEqual([expect.objectContaining({ externalId: 'r-1', reason: 'duplicate' })]);
  });

  it('a bad JSONata External ID is refused when the flow is saved, naming trigger.externalId', async () => {
    const res = await api.post('/api/v1/flows', { name: 'bad id', trigger: { type: 'webhook', externalId: 'body.(' }, steps }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ path: 'trigger.externalId', message: expect.stringMatching(/^External ID is not a valid JSONata expression: .+ \(at character \d+\)$/) }]);
  });
});
