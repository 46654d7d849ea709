import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flowport/core';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { startPlatform, type StartedPlatform } from '../src';
import { AMQP_URL, platformEnv, waitUntil } from './support/env';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';
import { activateNumbersFlow } from './support/flows';

jest.setTimeout(180_000);

const MESSAGES = 300;
const SHUTDOWN_TIMEOUT_MS = 8000;

// A runtime-role process (node dist/main.js) consumes a RabbitMQ queue through the built-in
// rabbitmq connector's Listen Queue trigger and gets SIGTERM mid-stream.
describe('graceful shutdown of a runtime process (SIGTERM)', () => {
  let db: TestDatabase;
  let admin: StartedPlatform;
  let runtime: PlatformProcess | undefined;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let pg: Client;
  const queue = `flowport-shutdown-${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('shutdown');
    const env = platformEnv(db.url);
    // Registry, store (seeds the built-in connectors) and flows in this process; the runtime in a child.
    [admin] = await Promise.all([startPlatform({ env: { ...env, FLOWPORT_ROLES: 'api,registry,store,flows', FLOWPORT_SEED_CONNECTORS: 'true' }, argv: [], print: () => undefined }), buildApi()]);
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    process.env.__SHUTDOWN_ENV = JSON.stringify(env);
  });
  afterAll(async () => {
    if (runtime && runtime.child.exitCode === null) runtime.child.kill('SIGKILL');
    await channel?.deleteQueue(queue).catch(() => undefined);
    await channel?.deleteQueue(`${queue}.dlq`).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await pg?.end();
    await admin?.stop();
    await db?.drop();
  });

  it('stops consuming, finishes its work and exits 0 in time; every message is recorded and acked, or still in the queue', async () => {
    const flowId = await activateNumbersFlow(admin.url, admin.ownerKey, { name: 'numbers', queue, batchSize: 10, step: { name: 'double', type: 'map', expression: 'trigger.messages.payload.n ~> $map(function($v) { $v * 2 })' } });

    const env = JSON.parse(process.env.__SHUTDOWN_ENV!) as Record<string, string>;
    runtime = await spawnPlatform({
      ...env,
      FLOWPORT_ROLES: 'runtime',
      RABBITMQ_URL: AMQP_URL,
      FLOWPORT_RUN_EVENTS_QUEUE: `${queue}.runs`,
      FLOWPORT_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    await waitUntil('the stream trigger running in the child', async () => (await request(runtime!.url).get('/ready')).body?.details?.drivers?.running === 1, 30_000);

    for (let n = 1; n <= MESSAGES; n++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { contentType: 'application/json', persistent: true, messageId: `m-${n}` });
    await channel.waitForConfirms();
    const count = async () => Number((await pg.query(`SELECT count(*) AS c FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId])).rows[0].c);
    await waitUntil('some messages recorded', async () => (await count()) >= 20, 30_000, 20);

    const signalled = Date.now();
    runtime.child.kill('SIGTERM');
    const exit = await runtime.exited;
    // On a failure the process's last output is in the diff, so a CI log shows why it exited so.
    expect({ code: exit.code, signal: exit.signal, output: exit.code === 0 && exit.signal === null ? '' : runtime.output().slice(-4000) }).toEqual({ code: 0, signal: null, output: '' });
    expect(exit.at - signalled).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    expect(runtime.output()).toMatch(/SIGTERM: stopping Flowport[\s\S]*Stopped in \d+ ms/);

    // The runtime is gone: whatever it did not ack is back in the queue.
    const queued = new Set<number>();
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) break;
      queued.add((JSON.parse(message.content.toString()) as { n: number }).n);
    }
    const recorded = new Set((await pg.query(`SELECT external_id FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId])).rows.map((r: { external_id: string }) => Number(r.external_id)));
    process.stderr.write(`shutdown: recorded ${recorded.size}, back in queue ${queued.size}, in ${exit.at - signalled} ms\n`);
    const lost = Array.from({ length: MESSAGES }, (_, i) => i + 1).filter((n) => !recorded.has(n) && !queued.has(n));
    expect(lost).toEqual([]);
    // "Acks what it recorded": no recorded message is back in the queue (it would be a duplicate on restart).
    const recordedButQueued = [...recorded].filter((n) => queued.has(n)).sort((a, b) => a - b);
    expect(recordedButQueued).toEqual([]);
    expect(recorded.size + queued.size).toBe(MESSAGES);
    expect(recorded.size).toBeGreaterThanOrEqual(20);
    expect(recorded.size).toBeLessThan(MESSAGES + 1);
    // In-flight runs were finished, not abandoned mid-step.
    const running = (await pg.query(`SELECT count(*) AS c FROM runs WHERE flow_id = $1 AND status = 'running'`, [flowId])).rows[0].c;
    expect(Number(running)).toBe(0);
  });
});
