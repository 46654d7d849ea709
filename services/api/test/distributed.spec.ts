import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flowport/core';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { AMQP_URL, platformEnv, waitUntil } from './support/env';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';
import { activateNumbersFlow } from './support/flows';

jest.setTimeout(600_000);

const MESSAGES = 200;

// The distributed deployment on loopback: api (gateway), registry, store, flows and two runtime
// replicas, each its own `node dist/main.js`, with RabbitMQ as transport and one PostgreSQL.
// A stream flow runs through them and one runtime is killed (SIGKILL) mid-way.
describe('roles as separate processes', () => {
  let db: TestDatabase;
  const procs: Record<string, PlatformProcess> = {};
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let pg: Client;
  const queue = `flowport-roles-${randomBytes(5).toString('hex')}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase('roles'), buildApi()]);
    env = platformEnv(db.url, { RABBITMQ_URL: AMQP_URL, FLOWPORT_RUN_EVENTS_QUEUE: `${queue}.runs`, FLOWPORT_SHUTDOWN_TIMEOUT_MS: '5000' });
    // First alone: it runs the migrations and creates workspace "Default" (key printed once).
    procs.registry = await spawnPlatform({ ...env, FLOWPORT_ROLES: 'registry', FLOWPORT_PRINT_BOOTSTRAP_KEY: 'true' });
    const [store, flows, r1, r2] = await Promise.all([
      spawnPlatform({ ...env, FLOWPORT_ROLES: 'store', FLOWPORT_SEED_CONNECTORS: 'true' }),
      spawnPlatform({ ...env, FLOWPORT_ROLES: 'flows' }),
      spawnPlatform({ ...env, FLOWPORT_ROLES: 'runtime' }),
      spawnPlatform({ ...env, FLOWPORT_ROLES: 'runtime' }),
    ]);
    Object.assign(procs, { store, flows, runtime1: r1, runtime2: r2 });
    procs.api = await spawnPlatform({
      ...env,
      FLOWPORT_ROLES: 'api',
      FLOWPORT_REGISTRY_URL: procs.registry.url,
      FLOWPORT_STORE_URL: store.url,
      FLOWPORT_FLOWS_URL: flows.url,
      FLOWPORT_RUNTIME_URL: `${r1.url},${r2.url}`,
    });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 600_000);
  afterAll(async () => {
    await Promise.all(
      Object.values(procs).map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGTERM');
          await Promise.race([p.exited, new Promise((r) => setTimeout(r, 8000))]);
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        }
      }),
    );
    for (const q of [queue, `${queue}.dlq`, `${queue}.runs`]) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await pg?.end();
    await db?.drop();
  });

  it('runs a stream flow through the gateway; killing one runtime mid-way loses nothing', async () => {
    const ownerKey = /\n\s+(fp_[\w-]+)\n/.exec(procs.registry.output())?.[1];
    expect(ownerKey).toBeDefined();
    const api = procs.api.url;
    const auth = { Authorization: `Bearer ${ownerKey}` };

    // Each call goes through the api process to the role that owns the route.
    const store = await request(api).get('/api/v1/store/connectors').set(auth).expect(200);
    expect(store.body.items.map((c: { name: string }) => c.name)).toContain('rabbitmq');
    const flowId = await activateNumbersFlow(api, ownerKey, { name: 'distributed numbers', queue, batchSize: 5, step: { name: 'sum', type: 'map', expression: '$sum(trigger.messages.payload.n)' } });
    // Runtimes find the activation made in the flows process by reconciling.
    for (const r of [procs.runtime1, procs.runtime2]) await waitUntil('both runtimes consuming', async () => (await request(r.url).get('/ready')).body?.details?.drivers?.running === 1, 30_000);

    for (let n = 1; n <= MESSAGES; n++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { contentType: 'application/json', persistent: true, messageId: `m-${n}` });
    await channel.waitForConfirms();
    const accepted = async () => Number((await pg.query(`SELECT count(*) AS c FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId])).rows[0].c);
    await waitUntil('a quarter recorded', async () => (await accepted()) >= MESSAGES / 4, 60_000, 20);
    const runsPage = await request(api).get(`/api/v1/runs?flowId=${flowId}&limit=5`).set(auth).expect(200);
    expect(runsPage.body.items.length).toBeGreaterThan(0);

    procs.runtime1.child.kill('SIGKILL');
    await procs.runtime1.exited;
    // The gateway lists both runtimes: with runtime 1 dead, every runs API call through it still answers.
    for (let i = 0; i < 6; i++) await request(api).get(`/api/v1/runs?flowId=${flowId}&limit=5`).set(auth).expect(200);

    // Unacked messages return to the queue for runtime 2; runs runtime 1 had claimed are taken up after the claim TTL.
    await waitUntil('every message recorded', async () => (await accepted()) === MESSAGES, 90_000, 200);
    await waitUntil(
      'every run finished',
      async () => Number((await pg.query(`SELECT count(*) AS c FROM runs WHERE flow_id = $1 AND status IN ('queued', 'running')`, [flowId])).rows[0].c) === 0,
      90_000,
      500,
    );
    const ids = (await pg.query(`SELECT external_id FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId])).rows.map((r: { external_id: string }) => Number(r.external_id));
    expect(new Set(ids).size).toBe(MESSAGES);
    const statuses = (await pg.query(`SELECT status, count(*)::int AS c, sum(message_count)::int AS m FROM runs WHERE flow_id = $1 GROUP BY status`, [flowId])).rows;
    expect(statuses).toEqual([{ status: 'succeeded', c: expect.any(Number), m: MESSAGES }]);
    const check = await channel.checkQueue(queue);
    expect(check.messageCount).toBe(0);
  });
});
