import type { TestApp } from '@flowport/core';
import { Client } from 'pg';
import { TriggerManager } from '../src';
import { AmqpQueueFixture } from './support/brokers';
import { Api, buildOrdersConnector, createRuntimeApp, waitUntil } from './support/platform';

jest.setTimeout(120_000);

// Issue 4: "A poison message (map throws) ends in the dead-letter queue after the retry limit
// while other messages keep flowing." Through the whole runtime: a published connector whose
// stream trigger's map (run in the sandbox) throws for one order, RabbitMQ, PostgreSQL, the
// executor, and the production retry policy (5 attempts, back-off 1 + 2 + 4 + 8 s).
describe('a poison message on a RabbitMQ stream trigger', () => {
  let t: TestApp;
  let api: Api;
  let accountId: string;
  let fixture: AmqpQueueFixture;
  let pg: Client;

  beforeAll(async () => {
    const [app, built] = await Promise.all([createRuntimeApp({ deliveryMaxAttempts: 5, deliveryRetryBaseDelayMs: 1000 }), buildOrdersConnector('orders-queue')]);
    t = app;
    api = new Api(t);
    accountId = await api.setUpConnector(built, { host: '127.0.0.1', username: 'guest', password: 'guest', port: 5672 });
    fixture = await AmqpQueueFixture.create();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  }, 120_000);
  afterAll(async () => {
    await pg?.end();
    await t?.close();
    await fixture?.cleanup();
  });

  const statuses = async (flowId: string) => {
    const { rows } = await pg.query<{ status: string; external_id: string | null; attempts: number; error: string | null }>(
      `SELECT status, external_id, attempts, error FROM run_messages WHERE flow_id = $1 ORDER BY created_at`,
      [flowId],
    );
    return {
      accepted: rows.filter((r) => r.status === 'accepted').map((r) => r.external_id),
      duplicates: rows.filter((r) => r.status === 'duplicate').length,
      deadLettered: rows.filter((r) => r.status === 'dead-lettered'),
    };
  };

  it('dead-letters the order its map throws on after 5 attempts, while the orders before and after it are recorded and run', async () => {
    const flow = await api.createFlow({
      name: 'orders with a poison one',
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-events', account: accountId, props: { queue: fixture.queue }, batchSize: 5, batchWaitMs: 100, externalId: 'payload.orderId' },
      steps: [{ name: 'count', type: 'map', expression: '$count(trigger.messages)' }],
    });
    await waitUntil('the stream trigger running', async () => t.app.get(TriggerManager).status().some((s) => s.flowId === flow.id));

    const orders = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ orderId: `o-${from + i}` }));
    await fixture.publish([...orders(1, 5), { orderId: 'poison-1', poison: true }, ...orders(6, 10)]);
    await waitUntil('the orders around the poison one recorded', async () => ((await statuses(flow.id)).accepted.length === 10 ? true : undefined), 30_000);
    // The poison order is held for its next attempt (it keeps a prefetch slot): more orders flow past it.
    await fixture.publish(orders(11, 20));
    const flowing = await waitUntil('the later orders recorded', async () => {
      const s = await statuses(flow.id);
      return s.accepted.length === 20 ? s : undefined;
    }, 30_000);
    // Its fifth attempt comes 1 + 2 + 4 + 8 s after the first: the twenty orders got through first.
    expect(flowing.deadLettered).toEqual([]);

    const settled = await waitUntil('the poison order dead-lettered', async () => {
      const s = await statuses(flow.id);
      return s.deadLettered.length > 0 ? s : undefined;
    }, 60_000, 250);
    expect(settled.deadLettered).toEqual([{ status: 'dead-lettered', external_id: null, attempts: 5, error: expect.stringContaining('order poison-1 cannot be mapped') }]);
    expect(settled.accepted.sort()).toEqual(orders(1, 20).map((o) => o.orderId).sort());
    expect(settled.duplicates).toBe(0);

    // In the dead-letter queue with its body and why; nothing left in the source queue.
    const letters = await waitUntil('the dead-letter queue holding it', async () => {
      const got = await fixture.takeDeadLetters();
      return got.length > 0 ? got : undefined;
    });
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0].body)).toEqual({ orderId: 'poison-1', poison: true });
    expect(letters[0].error).toMatch(/order poison-1 cannot be mapped.*\(after 5 attempts\)/);
    await waitUntil('the source queue drained', async () => ((await fixture.drained()) ? true : undefined), 30_000, 500);

    // Every good order ran; the poison one started no run.
    const runs = await waitUntil('every run finished', async () => {
      const res = await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200);
      const items = res.body.items as Array<{ status: string; messageCount: number }>;
      return items.every((r) => r.status === 'succeeded') && items.reduce((n, r) => n + r.messageCount, 0) === 20 ? items : undefined;
    });
    for (const run of runs) expect(run.messageCount).toBeLessThanOrEqual(5);
  });
});
