import type { TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { Api, buildOrdersConnector, createReplica, createRuntimeApp, type RunDetail } from './support/platform';

// Runs go through the real executor and the real sandbox; the repository-wide default is 5 s.
jest.setTimeout(30_000);

type Flow = { id: string; webhookToken?: string };
type Order = Record<string, unknown>;

describe("connector webhook triggers honour the flow's External ID: each item trigger.webhook returns is de-duplicated like a stream message", () => {
  let t: TestApp;
  let api: Api;
  let db: Client;
  let replica: NestExpressApplication | undefined;

  // orders-queue's order-hook: signed with the trigger's secret, one item per entry of body.orders.
  const sign = (text: string) => `sha256=${createHmac('sha256', 'shh').update(text).digest('hex')}`;
  const orders = (flow: Flow, list: Order[], server = t.server) => {
    const body = JSON.stringify({ orders: list });
    return request(server).post(`/hooks/${flow.id}`).set('X-Flowport-Token', flow.webhookToken!).set('Content-Type', 'application/json').set('X-Orders-Signature', sign(body)).send(body);
  };
  // order-updates: unsigned, one item per entry of body.events, each with its own eventId (the trigger's itemIdPath).
  const events = (flow: Flow, list: Order[]) => request(t.server).post(`/hooks/${flow.id}`).set('X-Flowport-Token', flow.webhookToken!).send({ events: list });
  const hookFlow = (name: string, trigger: Record<string, unknown>) =>
    api.createFlow({
      name,
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-hook', props: { secret: 'shh' }, ...trigger },
      steps: [{ name: 'ids', type: 'map', expression: '[trigger.messages.payload.id]' }],
    });
  const runsOf = async (flowId: string) =>
    (await db.query<{ id: string; status: string; message_count: number }>('SELECT id, status, message_count FROM runs WHERE flow_id = $1 ORDER BY created_at', [flowId])).rows;
  const stepRowsOf = async (flowId: string) =>
    Number((await db.query('SELECT count(*) AS n FROM run_steps s JOIN runs r ON r.id = s.run_id WHERE r.flow_id = $1', [flowId])).rows[0].n);

  beforeAll(async () => {
    const [app, built] = await Promise.all([createRuntimeApp({ webhookRateLimit: { limit: 1000, windowMs: 60_000 } }), buildOrdersConnector('orders-queue')]);
    t = app;
    api = new Api(t);
    await api.post('/api/v1/registry/connectors', built).expect(201);
    await api.post('/api/v1/installs', { connector: 'orders-queue', version: '1.0.0' }).expect(201);
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  }, 90_000);
  afterAll(async () => {
    await replica?.close();
    await db?.end();
    await t?.close();
  });

  it('the same event delivered twice: 202 then 200 duplicate (duplicateOf the first run); the second starts nothing', async () => {
    const flow = await hookFlow('shop orders once', { externalId: 'payload.id', batchSize: 10 });

    const first = await orders(flow, [{ id: 'S-1', total: 5 }]).expect(202);
    expect(first.body).toEqual({ runId: expect.any(String), runIds: [first.body.runId], duplicates: 0 });
    const original = await api.waitForRun(first.body.runId);
    expect(original).toMatchObject({ status: 'succeeded', messageCount: 1, trigger: { type: 'webhook', connector: 'orders-queue', trigger: 'order-hook' } });
    expect(original.messages).toEqual([expect.objectContaining({ id: expect.any(String), externalId: 'S-1', status: 'accepted', payload: { id: 'S-1', total: 5 } })]);
    expect(original.steps[0].output).toEqual(['S-1']);

    // The sender retries (another body for the same order): recorded, answered 200 at once, nothing runs.
    const again = await orders(flow, [{ id: 'S-1', total: 6 }]).expect(200);
    expect(again.body).toEqual({ runId: expect.any(String), status: 'duplicate', duplicateOf: first.body.runId, duplicates: 1 });
    const duplicate = (await api.get(`/api/v1/runs/${again.body.runId}`).expect(200)).body as RunDetail & { duplicateOf: string; durationMs: number; finishedAt: string };
    expect(duplicate).toMatchObject({ status: 'duplicate', duplicateOf: first.body.runId, messageCount: 1, durationMs: 0, steps: [], trigger: { type: 'webhook', connector: 'orders-queue', duplicateOf: first.body.runId } });
    expect(duplicate.finishedAt).toEqual(expect.any(String));
    expect(duplicate.messages).toEqual([expect.objectContaining({ externalId: 'S-1', status: 'duplicate', duplicateOf: first.body.runId, payload: { id: 'S-1', total: 6 } })]);
    const status = await request(t.server).get(`/hooks/${flow.id}/runs/${again.body.runId}`).set('X-Flowport-Token', flow.webhookToken!).expect(200);
    expect(status.body).toMatchObject({ status: 'duplicate', duplicateOf: first.body.runId, steps: [] });

    // The executor never takes the duplicate run: the flow's one step ran once.
    await new Promise((r) => setTimeout(r, 500));
    expect(await stepRowsOf(flow.id)).toBe(1);
    expect(await runsOf(flow.id)).toEqual([
      { id: first.body.runId, status: 'succeeded', message_count: 1 },
      { id: again.body.runId, status: 'duplicate', message_count: 1 },
    ]);
    const byExternalId = await api.get(`/api/v1/runs?flowId=${flow.id}&externalId=S-1`).expect(200);
    expect(byExternalId.body.items.map((r: { id: string }) => r.id)).toEqual([again.body.runId, first.body.runId]);
  });

  it('a call of 3 items of which 1 was seen: one run with the 2 new ones, duplicates: 1; a repeat inside one call is a duplicate too', async () => {
    const flow = await hookFlow('shop orders batch', { externalId: 'payload.id', batchSize: 10 });
    const seen = await orders(flow, [{ id: 'B-1' }]).expect(202);
    await api.waitForRun(seen.body.runId);

    const mixed = await orders(flow, [{ id: 'B-2' }, { id: 'B-1' }, { id: 'B-3' }]).expect(202);
    expect(mixed.body).toEqual({ runId: expect.any(String), runIds: [mixed.body.runId], duplicates: 1 });
    const run = await api.waitForRun(mixed.body.runId);
    expect(run).toMatchObject({ status: 'succeeded', messageCount: 2 });
    expect(run.messages.map((m) => [m.externalId, m.status, m.payload])).toEqual([
      ['B-2', 'accepted', { id: 'B-2' }],
      ['B-3', 'accepted', { id: 'B-3' }],
    ]);
    expect(run.steps[0].output).toEqual(['B-2', 'B-3']);

    const repeated = await orders(flow, [{ id: 'B-4' }, { id: 'B-4' }]).expect(202);
    expect(repeated.body.duplicates).toBe(1);
    expect((await api.waitForRun(repeated.body.runId)).messages.map((m) => m.externalId)).toEqual(['B-4']);

    // The rows: accepted ones under their runs, the duplicates marked as the stream recorder marks them (no run).
    const rows = await db.query<{ external_id: string; status: string; run_id: string | null }>(
      'SELECT external_id, status, run_id FROM run_messages WHERE flow_id = $1 ORDER BY created_at, status, external_id',
      [flow.id],
    );
    expect(rows.rows).toEqual([
      { external_id: 'B-1', status: 'accepted', run_id: seen.body.runId },
      { external_id: 'B-2', status: 'accepted', run_id: mixed.body.runId },
      { external_id: 'B-3', status: 'accepted', run_id: mixed.body.runId },
      { external_id: 'B-1', status: 'duplicate', run_id: null },
      { external_id: 'B-4', status: 'accepted', run_id: repeated.body.runId },
      { external_id: 'B-4', status: 'duplicate', run_id: null },
    ]);
    const resync = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
    expect(resync.body.counts).toEqual({ succeeded: 4, failed: 0, unprocessed: 0, skipped: 2 });
  });

  it('Batch Size splits the new items of a call into runs (default 1: one run per item, as without an External ID)', async () => {
    const flow = await hookFlow('shop orders one by one', { externalId: 'payload.id' });
    await orders(flow, [{ id: 'C-1' }]).expect(202);
    const call = await orders(flow, [{ id: 'C-2' }, { id: 'C-1' }, { id: 'C-3' }]).expect(202);
    expect(call.body).toEqual({ runId: call.body.runIds[0], runIds: [expect.any(String), expect.any(String)], duplicates: 1 });
    const runs = await Promise.all(call.body.runIds.map((id: string) => api.waitForRun(id)));
    expect(runs.map((r) => [r.status, r.messageCount, r.steps[0].output])).toEqual([
      ['succeeded', 1, ['C-2']],
      ['succeeded', 1, ['C-3']],
    ]);
  });

  it("an empty External ID uses the connector's own id for each item (itemIdPath); items without one are not de-duplicated", async () => {
    const flow = await api.createFlow({
      name: 'order updates',
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-updates', batchSize: 10 },
      steps: [{ name: 'events', type: 'map', expression: '[trigger.messages.payload.status]' }],
    });
    const list = [{ eventId: 'e-1', status: 'paid' }, { eventId: 'e-2', status: 'shipped' }, { status: 'no id' }];
    const first = await events(flow, list).expect(202);
    expect(first.body).toEqual({ runId: expect.any(String), runIds: [first.body.runId], duplicates: 0 });
    const run = await api.waitForRun(first.body.runId);
    expect(run.messages.map((m) => [m.externalId, m.status])).toEqual([
      ['e-1', 'accepted'],
      ['e-2', 'accepted'],
      [null, 'accepted'],
    ]);
    expect(run.steps[0].output).toEqual(['paid', 'shipped', 'no id']);

    // The same delivery again: the two identified events are duplicates, the one without an id runs again.
    const again = await events(flow, list).expect(202);
    expect(again.body).toEqual({ runId: expect.any(String), runIds: [again.body.runId], duplicates: 2 });
    expect((await api.waitForRun(again.body.runId)).messages.map((m) => [m.externalId, m.payload])).toEqual([[null, { status: 'no id' }]]);

    const only = await events(flow, [{ eventId: 'e-2', status: 'shipped' }, { eventId: 'e-1', status: 'paid' }]).expect(200);
    expect(only.body).toEqual({ runId: expect.any(String), status: 'duplicate', duplicateOf: first.body.runId, duplicates: 2 });
    const duplicate = (await api.get(`/api/v1/runs/${only.body.runId}`).expect(200)).body as RunDetail;
    expect(duplicate.messages.map((m) => [m.externalId, m.status])).toEqual([
      ['e-2', 'duplicate'],
      ['e-1', 'duplicate'],
    ]);
  });

  it("the expression reads one item as the stream path reads a message: { payload, headers, attributes, id }", async () => {
    const flow = await api.createFlow({
      name: 'order updates per shop',
      trigger: {
        type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-updates', batchSize: 10,
        externalId: 'headers."x-shop" & "/" & attributes.query.channel & "/" & id & "/" & payload.status',
      },
      steps: [{ name: 'n', type: 'map', expression: '$count(trigger.messages)' }],
    });
    const call = () => request(t.server).post(`/hooks/${flow.id}?channel=web`).set('X-Flowport-Token', flow.webhookToken!).set('X-Shop', 'north').send({ events: [{ eventId: 'e-9', status: 'paid' }] });
    const first = await call().expect(202);
    expect((await api.waitForRun(first.body.runId)).messages[0].externalId).toBe('north/web/e-9/paid');
    expect((await call().expect(200)).body.duplicateOf).toBe(first.body.runId);
  });

  it('an External ID that fails or gives a list for an item refuses the whole call (422 naming the item); nothing is recorded', async () => {
    const flow = await hookFlow('strict orders', { externalId: '$number(payload.id)', batchSize: 10 });
    const failed = await orders(flow, [{ id: 1 }, { id: 'x' }]).expect(422);
    expect(failed.body.error).toEqual({
      code: 'EXTERNAL_ID_INVALID',
      message: expect.stringMatching(/^External ID expression "\$number\(payload\.id\)" failed for item 2 of this call: .+\. Send the field the flow's External ID reads \(trigger\.externalId\), or change the expression so it picks one value per delivery, e\.g\. payload\.id$/),
      details: [{ path: 'trigger.externalId', message: expect.stringContaining('failed for item 2 of this call') }],
    });
    const list = await hookFlow('list orders', { externalId: 'payload.lines.sku' });
    const many = await orders(list, [{ id: 'L', lines: [{ sku: 'a' }, { sku: 'b' }] }]).expect(422);
    expect(many.body.error.details).toEqual([{ path: 'trigger.externalId', message: 'External ID expression "payload.lines.sku" gave a list of 2 for item 1 of this call; it must give text or a number' }]);
    expect(await runsOf(flow.id)).toEqual([]);
    expect(await runsOf(list.id)).toEqual([]);
    expect((await db.query('SELECT count(*)::int AS n FROM run_messages WHERE flow_id = ANY($1)', [[flow.id, list.id]])).rows[0].n).toBe(0);
    await orders(flow, [{ id: 1 }, { id: 2 }]).expect(202);
  });

  it('without an External ID (and no id of the connector) nothing changes: one run per item, every delivery runs', async () => {
    const flow = await api.createFlow({
      name: 'shop orders every time',
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-hook', props: { secret: 'shh' }, batchSize: 10 },
      steps: [{ name: 'order', type: 'map', expression: 'trigger.input.id' }],
    });
    const answers = [await orders(flow, [{ id: 'N-1' }, { id: 'N-2' }]).expect(202), await orders(flow, [{ id: 'N-1' }, { id: 'N-2' }]).expect(202)];
    for (const a of answers) expect(a.body).toEqual({ runId: a.body.runIds[0], runIds: [expect.any(String), expect.any(String)] });
    const outputs = await Promise.all(answers.flatMap((a) => a.body.runIds).map(async (id: string) => (await api.waitForRun(id)).steps[0].output));
    expect(outputs).toEqual(['N-1', 'N-2', 'N-1', 'N-2']);
    expect((await db.query('SELECT count(*)::int AS n FROM run_messages WHERE flow_id = $1', [flow.id])).rows[0].n).toBe(0);
  });

  it('6 concurrent deliveries of one event over two runtime replicas: exactly one run, 5 duplicates of it', async () => {
    const flow = await hookFlow('shop orders storm', { externalId: 'payload.id', batchSize: 10 });
    replica ??= await createReplica(t);
    const servers = [t.server, replica.getHttpServer()];
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => orders(flow, [{ id: 'R-1', attempt: i }], servers[i % 2])));
    const accepted = answers.filter((a) => a.status === 202);
    const duplicates = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(1);
    expect(duplicates).toHaveLength(5);
    for (const d of duplicates) expect(d.body).toEqual({ runId: expect.any(String), status: 'duplicate', duplicateOf: accepted[0].body.runId, duplicates: 1 });
    expect((await api.waitForRun(accepted[0].body.runId)).status).toBe('succeeded');
    const runs = await runsOf(flow.id);
    expect(runs.filter((r) => r.status === 'duplicate')).toHaveLength(5);
    expect(runs.filter((r) => r.status !== 'duplicate').map((r) => r.id)).toEqual([accepted[0].body.runId]);
  });
});
