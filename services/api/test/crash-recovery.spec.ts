import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flowport/core';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { startPlatform, type StartedPlatform } from '../src';
import { AMQP_URL, platformEnv, waitUntil } from './support/env';
import { messageCounts, acceptedCount, runShape } from './support/messages';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';
import { consumerPrefetches, publishNumbers, queueCounts } from './support/rabbitmq';
import { activateNumbersFlow } from './support/flows';

jest.setTimeout(600_000);

const MESSAGES = 10_000;
const BATCH_SIZE = 10;

// Issue 4: "kill -9 a runtime process while it is consuming 10,000 messages at Batch Size 10,
// restart it: every message recorded exactly once, none lost, none left unacked."
// Registry, store (seeds the built-in rabbitmq connector) and flows run in this process; the
// runtime is `node dist/main.js --role=runtime`, killed with SIGKILL mid-stream and started again.
describe('crash recovery: SIGKILL of a runtime process consuming 10,000 RabbitMQ messages', () => {
  let db: TestDatabase;
  let admin: StartedPlatform;
  const runtimes: PlatformProcess[] = [];
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  let pg: Client;
  let env: Record<string, string>;
  const queue = `flowport-crash-${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    env = platformEnv(db.url);
    [admin] = await Promise.all([
      startPlatform({ env: { ...env, FLOWPORT_ROLES: 'api,registry,store,flows', FLOWPORT_SEED_CONNECTORS: 'true' }, argv: [], print: () => undefined }),
      buildApi(),
    ]);
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 300_000);

  afterAll(async () => {
    for (const runtime of runtimes) {
      if (runtime.child.exitCode === null && runtime.child.signalCode === null) {
        runtime.child.kill('SIGKILL');
        await runtime.exited;
      }
    }
    for (const q of [queue, `${queue}.dlq`, `${queue}.runs`]) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await pg?.end();
    await admin?.stop();
    await db?.drop();
  });

  const startRuntime = async (): Promise<PlatformProcess> => {
    // Same database and account key as this process; run wake-ups over RabbitMQ as in production.
    const runtime = await spawnPlatform({ ...env, FLOWPORT_ROLES: 'runtime', RABBITMQ_URL: AMQP_URL, FLOWPORT_RUN_EVENTS_QUEUE: `${queue}.runs`, FLOWPORT_SHUTDOWN_TIMEOUT_MS: '10000' });
    runtimes.push(runtime);
    await waitUntil('the stream trigger running in the runtime process', async () => (await request(runtime.url).get('/ready')).body?.details?.drivers?.running === 1, 60_000, 200);
    return runtime;
  };

  it('records every message exactly once in runs of at most 10, and leaves nothing ready or unacked', async () => {
    const started = Date.now();
    const flowId = await activateNumbersFlow(admin.url, admin.ownerKey, { name: 'crash recovery', queue, batchSize: BATCH_SIZE, step: { name: 'count', type: 'map', expression: '$count(trigger.messages)' } });

    const first = await startRuntime();
    // At most this many messages are delivered and unacked at once (the driver derives it from Batch Size).
    const [prefetch] = await waitUntil('the consumer on the queue', async () => {
      const found = await consumerPrefetches(queue);
      return found.length === 1 ? found : undefined;
    });
    expect(prefetch).toBeGreaterThanOrEqual(BATCH_SIZE);
    // Published while the runtime consumes, in confirm mode: a message counts once RabbitMQ has it.
    const publishing = publishNumbers(channel, queue, 1, MESSAGES);
    await waitUntil('a good part recorded', async () => (await acceptedCount(pg, flowId)) >= MESSAGES * 0.3, 120_000, 20);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    await publishing;

    // Once RabbitMQ has seen the connection drop, whatever the runtime had not acked is ready again;
    // once no statement of the dead process is still executing, the recorded rows are final.
    await waitUntil('the broker dropped the dead consumer', async () => (await channel.checkQueue(queue)).consumerCount === 0, 30_000);
    await waitUntil(
      'no statement of the killed runtime still executing',
      async () => Number((await pg.query(`SELECT count(*) AS c FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`)).rows[0].c) === 0,
      30_000,
    );
    const atKill = await messageCounts(pg, flowId);
    const back = await queueCounts(queue);
    expect(back.unacked).toBe(0);
    // Acked implies recorded: every message not in the queue any more has its row.
    const recordedButNotAcked = atKill.accepted + back.ready - MESSAGES;
    expect(recordedButNotAcked).toBeGreaterThanOrEqual(0);
    // Only the messages the runtime held unacked (at most its prefetch) can be recorded yet back.
    expect(recordedButNotAcked).toBeLessThanOrEqual(prefetch);
    expect(atKill.accepted).toBeLessThan(MESSAGES);
    expect(atKill.duplicate).toBe(0);

    const second = await startRuntime();
    await waitUntil('every message recorded after the restart', async () => (await acceptedCount(pg, flowId)) === MESSAGES, 180_000, 200);
    await waitUntil(
      'the queue drained: nothing ready, nothing unacked',
      async () => (await channel.checkQueue(queue)).messageCount === 0 && (await queueCounts(queue)).unacked === 0,
      120_000,
      500,
    );

    const counts = await messageCounts(pg, flowId);
    // Exactly 10,000 distinct External IDs accepted, each once (the unique index would refuse a second).
    expect(counts.accepted).toBe(MESSAGES);
    expect(counts.distinctAccepted).toBe(MESSAGES);
    const { rows: range } = await pg.query<{ min: number; max: number }>(`SELECT min(external_id::int) AS min, max(external_id::int) AS max FROM run_messages WHERE flow_id = $1 AND status = 'accepted'`, [flowId]);
    expect(range[0]).toEqual({ min: 1, max: MESSAGES });
    // The messages recorded but not yet acked when the runtime died were delivered again and
    // marked duplicate: no second run, and nothing else was ever redelivered.
    expect(counts.duplicate).toBe(recordedButNotAcked);
    expect(counts.deadLettered).toBe(0);

    const shape = await runShape(pg, flowId);
    expect(shape.maxMessages).toBeLessThanOrEqual(BATCH_SIZE);
    expect(shape.minMessages).toBeGreaterThanOrEqual(1);
    expect(shape.messages).toBe(MESSAGES);
    expect(shape.mismatched).toBe(0);
    expect(shape.orphans).toBe(0);
    expect((await channel.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);

    // A graceful stop of the second runtime gives nothing back: it had acked everything it recorded.
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(await queueCounts(queue)).toEqual({ ready: 0, unacked: 0 });
    process.stderr.write(
      `crash-recovery: ${atKill.accepted} recorded at the kill, ${recordedButNotAcked} of them recorded but unacked (marked duplicate on redelivery), ` +
        `${shape.runs} runs, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  });
});
