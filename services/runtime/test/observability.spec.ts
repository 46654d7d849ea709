// The runtime's observability against the real platform app: the consumer lag gauge of a stream
// flow (RabbitMQ) on /metrics, and the JSON log lines of runs, deliveries and triggers, written
// by core's PinoNestLogger into an array.
import { randomBytes } from 'node:crypto';
import { createTestApp, PinoNestLogger, type TestApp } from '@flowport/core';
import { FlowsModule, flowsMigrations } from '@flowport/flows';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { StoreModule, storeMigrations } from '@flowport/store';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { RuntimeModule, runtimeMigrations, TriggerManager } from '../src';
import { AMQP_URL } from './support/brokers';
import { Api, buildOrdersConnector, waitUntil } from './support/platform';

jest.setTimeout(120_000);

type LogLine = { level: number; msg: string; context?: string; runId?: string | null; flowId?: string; workspaceId?: string; [field: string]: unknown };

describe('observability of the runtime: consumer lag and structured log lines', () => {
  let t: TestApp;
  let api: Api;
  let accountId: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const lines: LogLine[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    const logger = new PinoNestLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) } });
    const [app, built] = await Promise.all([
      createTestApp({
        imports: [
          RegistryModule.forRoot(),
          StoreModule,
          FlowsModule,
          RuntimeModule.forRoot({ pollIntervalMs: 100, reconcileIntervalMs: 500, deliveryRetryBaseDelayMs: 100, lagIntervalMs: 100 }),
        ],
        migrations: [...registryMigrations, ...storeMigrations, ...flowsMigrations, ...runtimeMigrations],
        label: 'observability',
        logger,
      }),
      buildOrdersConnector('orders-queue'),
    ]);
    t = app;
    api = new Api(t);
    accountId = await api.setUpConnector(built, { host: '127.0.0.1', username: 'guest', password: 'guest', port: 5672 });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    for (const queue of queues) {
      await channel?.deleteQueue(queue).catch(() => undefined);
      await channel?.deleteQueue(`${queue}.dlq`).catch(() => undefined);
    }
    await connection?.close();
  });

  const newQueue = async () => {
    const queue = `flowport-observability-${randomBytes(5).toString('hex')}`;
    await channel.assertQueue(queue, { durable: true });
    queues.push(queue);
    return queue;
  };
  const streamFlow = (name: string, queue: string, account = accountId) => ({
    name,
    trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-events', account, props: { queue }, batchSize: 5, externalId: 'payload.orderId', batchWaitMs: 50 },
    steps: [{ name: 'count', type: 'map', expression: '$count(trigger.messages)' }],
  });
  /** The value of `flowport_consumer_lag{flow_id="<flowId>"}` on /metrics; undefined when the series is absent. */
  const lagOf = async (flowId: string): Promise<number | undefined> => {
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`flowport_consumer_lag{flow_id="${flowId}"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('shows the consumer lag of a RabbitMQ stream flow on /metrics while messages wait, 0 once drained, and drops it when the flow stops', async () => {
    const queue = await newQueue();
    const flow = await api.createFlow(streamFlow('lagging orders', queue));
    await waitUntil('the stream trigger to run', async () => t.app.get(TriggerManager).status().some((s) => s.flowId === flow.id && s.kind === 'stream'));
    expect(await waitUntil('a lag of 0 for the empty queue', async () => (await lagOf(flow.id)) === 0)).toBe(true);

    // Hold recording (a consumer that cannot keep up): the driver fills its prefetch and the rest waits in the queue.
    const pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    try {
      await pg.query('BEGIN');
      await pg.query('LOCK TABLE run_messages IN EXCLUSIVE MODE');
      const total = 200;
      for (let i = 0; i < total; i++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ orderId: `o-${i}` })), { contentType: 'application/json', persistent: true });
      await channel.waitForConfirms();
      // Prefetch is Batch Size x (in-flight batches + 1) = 5 x 14 = 70; the other 130 wait.
      const waiting = await waitUntil('the lag gauge to show the waiting messages', async () => {
        const lag = await lagOf(flow.id);
        return lag !== undefined && lag >= total - 70 ? lag : undefined;
      });
      expect(waiting).toBeLessThanOrEqual(total);
    } finally {
      await pg.query('ROLLBACK').catch(() => undefined);
      await pg.end();
    }

    await waitUntil('every message recorded', async () => {
      const items = (await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items as Array<{ messageCount: number }>;
      return items.reduce((n, r) => n + r.messageCount, 0) === 200;
    }, 30_000);
    expect(await waitUntil('a lag of 0 after draining', async () => (await lagOf(flow.id)) === 0, 10_000)).toBe(true);
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);

    // The delivery's lines carry the flow and workspace, and the run each batch started.
    const recorded = lines.filter((l) => l.msg === 'Batch recorded' && l.flowId === flow.id);
    expect(recorded.length).toBeGreaterThanOrEqual(40);
    for (const line of recorded) expect(line).toMatchObject({ level: 20, context: 'TriggerManager', flowId: flow.id, workspaceId: t.workspaceId, runId: expect.any(String) });
    const runIds = new Set(((await api.get(`/api/v1/runs?flowId=${flow.id}&limit=100`).expect(200)).body.items as Array<{ id: string }>).map((r) => r.id));
    for (const line of recorded) expect(runIds.has(line.runId!)).toBe(true);

    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
    await waitUntil('the trigger to stop', async () => !t.app.get(TriggerManager).status().some((s) => s.flowId === flow.id));
    expect(await lagOf(flow.id)).toBeUndefined();
  });

  it('writes runId, flowId and workspaceId as JSON fields on the executor\'s lines of a failing run', async () => {
    const flow = await api.createFlow({
      name: 'failing step',
      trigger: { type: 'manual' },
      steps: [{ name: 'explode', type: 'code', code: 'throw new Error("no stock for " + input.trigger.input.sku)', retry: { attempts: 2, backoffMs: 10 } }],
    });
    const runId = (await api.post(`/api/v1/flows/${flow.id}/runs`, { input: { sku: 'X-1' } }).expect(202)).body.runId as string;
    expect((await api.waitForRun(runId)).status).toBe('failed');

    const ofRun = await waitUntil('the run\'s "Run failed" line', async () => {
      const found = lines.filter((l) => l.runId === runId);
      return found.some((l) => l.msg === 'Run failed') ? found : undefined;
    });
    const ids = { runId, flowId: flow.id, workspaceId: t.workspaceId };
    expect(ofRun.find((l) => l.msg === 'Run started')).toMatchObject({ level: 20, context: 'Executor', ...ids, trigger: 'manual' });
    expect(ofRun.filter((l) => l.msg.startsWith('Step attempt failed')).map((l) => [l.msg, l.step, l.attempt])).toEqual([
      ['Step attempt failed; retrying', 'explode', 1],
      ['Step attempt failed', 'explode', 2],
    ]);
    expect(ofRun.find((l) => l.msg === 'Run failed')).toMatchObject({
      level: 40,
      context: 'Executor',
      ...ids,
      status: 'failed',
      durationMs: expect.any(Number),
      error: expect.stringContaining('no stock for X-1'),
    });
    // The ids are fields, not only words in the text.
    for (const line of ofRun) expect(line.msg).not.toContain(runId);
  });

  it('writes flowId and workspaceId as JSON fields on a trigger that cannot start', async () => {
    const unreachable = (await api.post('/api/v1/accounts', { connector: 'orders-queue', name: 'nowhere', values: { host: '127.0.0.1', username: 'guest', password: 'guest', port: 1 } }).expect(201)).body.id as string;
    const flow = await api.createFlow(streamFlow('unreachable broker', await newQueue(), unreachable));
    const line = await waitUntil('the trigger start failure line', async () => lines.find((l) => l.flowId === flow.id && l.msg.startsWith('Could not start the trigger')), 30_000);
    expect(line).toMatchObject({ level: 50, context: 'TriggerManager', flowId: flow.id, workspaceId: t.workspaceId, version: 1, error: expect.stringContaining('Could not connect to RabbitMQ') });
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
  });
});
