import { randomBytes } from 'node:crypto';
import type { TestApp } from '@flowport/core';
import * as amqp from 'amqplib';
import { TriggerManager } from '../src';
import { Api, buildOrdersConnector, createRuntimeApp, waitUntil, type RunDetail } from './support/platform';

const AMQP_URL = process.env.FLOWPORT_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// Runs go through the real executor and brokers; the repository-wide default is 5 s.
jest.setTimeout(30_000);

describe('end to end: a published connector\'s stream trigger (amqp) feeding a flow', () => {
  let t: TestApp;
  let api: Api;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let accountId: string;
  const queues: string[] = [];

  const publish = async (queue: string, bodies: object[]) => {
    for (const body of bodies) channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json', persistent: true });
    await channel.waitForConfirms();
  };
  const newQueue = async () => {
    const queue = `flowport-runtime-${randomBytes(5).toString('hex')}`;
    await channel.assertQueue(queue, { durable: true });
    queues.push(queue);
    return queue;
  };
  const streamFlow = (name: string, queue: string) => ({
    name,
    trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-events', account: accountId, props: { queue }, batchSize: 5, externalId: 'payload.orderId', batchWaitMs: 300 },
    steps: [
      {
        name: 'record',
        type: 'action',
        connector: 'orders-queue',
        version: '1.0.0',
        action: 'record-order',
        account: accountId,
        inputs: { orderIds: '{{ [trigger.messages.externalId] }}', note: 'batch of {{ $count(trigger.messages) }}' },
      },
      { name: 'summary', type: 'map', expression: '{ "count": $count(trigger.messages), "total": $sum(trigger.messages.payload.amount) }' },
    ],
  });

  beforeAll(async () => {
    const [app, built] = await Promise.all([createRuntimeApp(), buildOrdersConnector('orders-queue')]);
    t = app;
    api = new Api(t);
    accountId = await api.setUpConnector(built, { host: '127.0.0.1', username: 'guest', password: 'guest', port: 5672 });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    for (const queue of queues) await channel?.deleteQueue(queue).catch(() => undefined);
    await connection?.close();
  });

  it('records 12 messages (2 repeating an order id) as 10 messages in runs of at most 5, 2 duplicates, every step output visible', async () => {
    const queue = await newQueue();
    const flow = await api.createFlow(streamFlow('orders from rabbit', queue));
    expect(t.app.get(TriggerManager).status()).toContainEqual({ flowId: flow.id, version: 1, kind: 'stream' });

    const ids = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-3', 'o-6', 'o-7', 'o-8', 'o-9', 'o-7', 'o-10'];
    await publish(queue, ids.map((orderId, i) => ({ orderId, amount: i + 1 })));

    const runs = await waitUntil('10 recorded messages in finished runs', async () => {
      const res = await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200);
      const items = res.body.items as Array<{ id: string; status: string; messageCount: number }>;
      const count = items.reduce((n, r) => n + r.messageCount, 0);
      return count === 10 && items.every((r) => r.status === 'succeeded') ? items : undefined;
    });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(run.messageCount).toBeLessThanOrEqual(5);

    const details: RunDetail[] = await Promise.all(runs.map(async (r) => (await api.get(`/api/v1/runs/${r.id}`).expect(200)).body));
    const recorded = details.flatMap((d) => d.messages.map((m) => m.externalId)).sort();
    expect(recorded).toEqual(['o-1', 'o-10', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7', 'o-8', 'o-9']);
    for (const run of details) {
      expect(run.trigger).toMatchObject({ type: 'stream', connector: 'orders-queue', trigger: 'order-events', driver: 'amqp' });
      const externalIds = run.messages.map((m) => m.externalId);
      expect(run.steps).toEqual([
        expect.objectContaining({
          order: 1,
          name: 'record',
          type: 'action',
          status: 'succeeded',
          output: { recorded: externalIds, note: `batch of ${externalIds.length}`, brokerHost: '127.0.0.1' },
        }),
        expect.objectContaining({
          order: 2,
          name: 'summary',
          status: 'succeeded',
          output: { count: externalIds.length, total: run.messages.reduce((n, m) => n + (m.payload as { amount: number }).amount, 0) },
        }),
      ]);
    }

    // The first occurrence of a repeated id runs; its repeat is a duplicate.
    const resync = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
    expect(resync.body.counts).toEqual({ succeeded: 10, failed: 0, unprocessed: 0, skipped: 2 });
    expect(resync.body.messages.skipped.map((m: { externalId: string; reason: string }) => [m.externalId, m.reason]).sort()).toEqual([
      ['o-3', 'duplicate'],
      ['o-7', 'duplicate'],
    ]);

    const search = await api.get(`/api/v1/runs?externalId=o-7`).expect(200);
    expect(search.body.items).toHaveLength(1);
    const found = details.find((d) => d.id === search.body.items[0].id)!;
    expect(found.messages.map((m) => m.externalId)).toContain('o-7');

    // Every message was acked once recorded.
    await waitUntil('the queue to be drained', async () => (await channel.checkQueue(queue)).messageCount === 0);
    const logs = await api.get(`/api/v1/runs/${runs[0].id}/logs`).expect(200);
    expect(logs.body.items[0]).toMatchObject({ step: 'record', level: 'info', message: expect.stringContaining('recording') });
  });

  it('replays selected failed messages of a failed run into a new run; resync shows each message\'s outcome', async () => {
    const queue = await newQueue();
    const flow = streamFlow('orders with a bad one', queue);
    flow.steps.splice(1, 0, { name: 'validate', type: 'code', code: 'const bad = input.trigger.messages.filter(m => m.payload.amount < 0); if (bad.length) throw new Error("negative amount in " + bad.map(m => m.externalId).join(",")); return "ok";' } as never);
    const created = await api.createFlow(flow);
    await publish(queue, [{ orderId: 'g-1', amount: 1 }, { orderId: 'g-2', amount: -5 }, { orderId: 'g-3', amount: 2 }]);
    const failed = await waitUntil('the batch run to fail', async () => {
      const items = (await api.get(`/api/v1/runs?flowId=${created.id}&status=failed`).expect(200)).body.items as Array<{ id: string }>;
      return items[0];
    });
    const detail: RunDetail = (await api.get(`/api/v1/runs/${failed.id}`).expect(200)).body;
    expect(detail.error).toContain('negative amount in g-2');
    expect(detail.steps.map((s) => s.status)).toEqual(['succeeded', 'failed']);
    const good = detail.messages.filter((m) => m.externalId !== 'g-2').map((m) => m.id);

    const unknown = await api.post(`/api/v1/runs/${failed.id}/replay`, { messageIds: ['00000000-0000-4000-8000-00000000dead'] }).expect(422);
    expect(unknown.body.error.code).toBe('UNKNOWN_MESSAGE');
    const replay = await api.post(`/api/v1/runs/${failed.id}/replay`, { messageIds: good }).expect(202);
    const replayed = await api.waitForRun(replay.body.runId);
    expect(replayed).toMatchObject({ status: 'succeeded', replayOf: failed.id, messageCount: 2 });
    expect(replayed.messages.map((m) => m.externalId)).toEqual(['g-1', 'g-3']);
    expect(replayed.steps.map((s) => s.output)).toEqual([
      { recorded: ['g-1', 'g-3'], note: 'batch of 2', brokerHost: '127.0.0.1' },
      'ok',
      { count: 2, total: 3 },
    ]);

    const resync = await api.get(`/api/v1/flows/${created.id}/resync`).expect(200);
    expect(resync.body.counts).toEqual({ succeeded: 2, failed: 1, unprocessed: 0, skipped: 0 });
    expect(resync.body.messages.failed[0]).toMatchObject({ externalId: 'g-2', runId: failed.id, runStatus: 'failed' });
    expect(resync.body.messages.succeeded.map((m: { runId: string }) => m.runId)).toEqual([replayed.id, replayed.id]);
    // Searching by External ID finds the original run and its replay.
    const search = await api.get(`/api/v1/runs?flowId=${created.id}&externalId=g-3`).expect(200);
    expect(search.body.items.map((r: { id: string }) => r.id)).toEqual([replayed.id, failed.id]);
  });

  it('reports why a stream trigger did not start (broker refused the account) on GET /api/v1/flows/{id}/trigger', async () => {
    const queue = await newQueue();
    const running = await api.createFlow(streamFlow('orders running', queue));
    const ok = await api.get(`/api/v1/flows/${running.id}/trigger`).expect(200);
    expect(ok.body).toMatchObject({ flowId: running.id, status: 'active', running: true, kind: 'stream', version: 1, error: null });

    const wrong = (await api.post('/api/v1/accounts', { connector: 'orders-queue', name: 'wrong password', values: { host: '127.0.0.1', username: 'guest', password: 'not-guest', port: 5672 } }).expect(201)).body.id;
    const flow = streamFlow('orders refused', queue);
    (flow.trigger as { account: string }).account = wrong;
    const refused = await api.createFlow(flow);
    const status = await waitUntil('the start failure', async () => {
      const res = await api.get(`/api/v1/flows/${refused.id}/trigger`).expect(200);
      return res.body.error ? res.body : undefined;
    });
    expect(status).toMatchObject({ running: false, kind: null });
    expect(status.error).toMatch(/ACCESS_REFUSED|403|auth/i);
    await api.post(`/api/v1/flows/${refused.id}/deactivate`).expect(200);
    expect((await api.get(`/api/v1/flows/${refused.id}/trigger`).expect(200)).body).toMatchObject({ status: 'inactive', running: false, error: null });
  });

  it('refuses a manual run of a stream flow (409) but test-runs it on the trigger\'s sample data', async () => {
    const queue = await newQueue();
    const flow = await api.createFlow(streamFlow('orders sample', queue));
    const refused = await api.post(`/api/v1/flows/${flow.id}/runs`, { input: {} }).expect(409);
    expect(refused.body.error.code).toBe('FLOW_TRIGGER_NOT_MANUAL');
    const test = await api.post(`/api/v1/flows/${flow.id}/test`, {}).expect(202);
    const run = await api.waitForRun(test.body.runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.output)).toEqual([
      { recorded: ['sample-1'], note: 'batch of 1', brokerHost: '127.0.0.1' },
      { count: 1, total: 10 },
    ]);
  });

  it('stops consuming when the flow is deactivated; messages then stay in the queue', async () => {
    const queue = await newQueue();
    const flow = await api.createFlow(streamFlow('orders stopped', queue));
    await publish(queue, [{ orderId: 'before', amount: 1 }]);
    await waitUntil('the first message to run', async () => (await api.get(`/api/v1/runs?flowId=${flow.id}&status=succeeded`).expect(200)).body.items.length === 1);
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
    expect(t.app.get(TriggerManager).status().map((s) => s.flowId)).not.toContain(flow.id);
    await publish(queue, [{ orderId: 'after', amount: 2 }]);
    await new Promise((r) => setTimeout(r, 800));
    expect((await channel.checkQueue(queue)).messageCount).toBe(1);
    expect((await api.get(`/api/v1/runs?flowId=${flow.id}`).expect(200)).body.items).toHaveLength(1);
  });
});
