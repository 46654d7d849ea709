// Stream delivery benchmark: throughput into recorded runs at Batch Size 1 and 100 beside raw
// amqplib consume+ack and raw INSERTs of the same rows, plus publish-to-recorded latency at a
// light steady load. Needs RabbitMQ on 127.0.0.1:5672 and PostgreSQL on 127.0.0.1:5432
// (override with FLOWPORT_BENCH_AMQP_URL / FLOWPORT_BENCH_PG_URL). Run: npm run bench -w @flowport/runtime
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as amqp from 'amqplib';
import { Client, Pool } from 'pg';
import { AmqpDriver, PgRunRecorder, StreamDelivery } from '../src/delivery';

const AMQP_URL = process.env.FLOWPORT_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PG_ADMIN_URL = process.env.FLOWPORT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N_SMALL = Number(process.env.FLOWPORT_BENCH_N_SMALL ?? 4000);
const N_LARGE = Number(process.env.FLOWPORT_BENCH_N_LARGE ?? 20000);
const LATENCY_RATE = Number(process.env.FLOWPORT_BENCH_LATENCY_RATE ?? 100);
const LATENCY_SECONDS = Number(process.env.FLOWPORT_BENCH_LATENCY_SECONDS ?? 5);
const STALL_MS = 120_000;

type Row = { id: string; flowId: string; externalId: string; payload: string; messageId: string };

function body(i: number, prefix: string): Record<string, unknown> {
  return { orderId: `${prefix}-${i}`, amount: i % 997, customer: { id: `c-${i % 50}`, tier: 'gold' }, t: performance.now() };
}

async function publish(channel: amqp.ConfirmChannel, queue: string, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const ok = channel.sendToQueue(queue, Buffer.from(JSON.stringify(body(i, prefix))), { contentType: 'application/json', messageId: `${prefix}-${i}` });
    if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
  }
  await channel.waitForConfirms();
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + STALL_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`benchmark stalled waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function rawConsumeAck(conn: amqp.ChannelModel, queue: string, count: number): Promise<number> {
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  await publish(ch, queue, count, 'raw');
  const consumer = await conn.createChannel();
  await consumer.prefetch(200);
  let acked = 0;
  const start = performance.now();
  await consumer.consume(queue, (msg) => {
    if (!msg) return;
    JSON.parse(msg.content.toString('utf8'));
    consumer.ack(msg);
    acked++;
  });
  await until('raw consume', () => acked >= count);
  const seconds = (performance.now() - start) / 1000;
  await consumer.close();
  await ch.deleteQueue(queue);
  await ch.close();
  return count / seconds;
}

function rows(count: number, flowId: string): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    flowId,
    externalId: `raw-${i}`,
    payload: JSON.stringify(body(i, 'raw')),
    messageId: `raw-${i}`,
  }));
}

async function rawSingleInserts(pool: Pool, count: number): Promise<{ rate: number; p50: number; p99: number }> {
  const client = await pool.connect();
  const data = rows(count, `raw-single-${randomBytes(3).toString('hex')}`);
  const each: number[] = [];
  const start = performance.now();
  for (const r of data) {
    const t0 = performance.now();
    await client.query(
      `INSERT INTO run_messages (id, flow_id, external_id, status, payload, message_id) VALUES ($1, $2, $3, 'accepted', $4::jsonb, $5)`,
      [r.id, r.flowId, r.externalId, r.payload, r.messageId],
    );
    each.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  client.release();
  return { rate: count / seconds, p50: percentile(each, 0.5), p99: percentile(each, 0.99) };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function rawBatchedInserts(pool: Pool, count: number, perStatement: number): Promise<number> {
  const client = await pool.connect();
  const data = rows(count, `raw-batched-${randomBytes(3).toString('hex')}`);
  const start = performance.now();
  for (let i = 0; i < data.length; i += perStatement) {
    const chunk = data.slice(i, i + perStatement);
    await client.query(
      `INSERT INTO run_messages (id, flow_id, external_id, status, payload, message_id)
       SELECT t.id, t.flow_id, t.external_id, 'accepted', t.payload::jsonb, t.message_id
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, flow_id, external_id, payload, message_id)`,
      [chunk.map((r) => r.id), chunk.map((r) => r.flowId), chunk.map((r) => r.externalId), chunk.map((r) => r.payload), chunk.map((r) => r.messageId)],
    );
  }
  const seconds = (performance.now() - start) / 1000;
  client.release();
  return count / seconds;
}

async function pipeline(conn: amqp.ChannelModel, pool: Pool, batchSize: number, count: number): Promise<{ rate: number; runs: number }> {
  const queue = `flowport-bench-${randomBytes(4).toString('hex')}`;
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  await publish(ch, queue, count, `bs${batchSize}`);
  const delivery = new StreamDelivery({
    flowId: `bench-bs${batchSize}-${randomBytes(3).toString('hex')}`,
    driver: new AmqpDriver(),
    driverConfig: { url: AMQP_URL, queue, batchSize, batchWaitMs: 50 },
    recorder: new PgRunRecorder(pool),
    externalId: 'payload.orderId',
  });
  const start = performance.now();
  await delivery.start();
  await until(`Batch Size ${batchSize} pipeline`, () => delivery.stats.accepted + delivery.stats.duplicates >= count);
  const seconds = (performance.now() - start) / 1000;
  await delivery.stop();
  await ch.deleteQueue(queue);
  await ch.deleteQueue(`${queue}.dlq`);
  await ch.close();
  return { rate: count / seconds, runs: delivery.stats.runs };
}

/** Publish -> raw amqplib consumer at the same steady rate: the broker hop without the pipeline. */
async function rawHopLatency(conn: amqp.ChannelModel): Promise<{ p50: number; p99: number }> {
  const queue = `flowport-bench-hop-${randomBytes(4).toString('hex')}`;
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  // Its own connection, like the driver's: sharing the publisher's socket adds TCP delays.
  const consumerConnection = await amqp.connect(AMQP_URL);
  const consumer = await consumerConnection.createChannel();
  const hops: number[] = [];
  await consumer.consume(queue, (msg) => {
    if (!msg) return;
    hops.push(performance.now() - (JSON.parse(msg.content.toString('utf8')) as { t: number }).t);
    consumer.ack(msg);
  });
  await publishSteadily(ch, queue);
  await until('raw hop samples', () => hops.length >= LATENCY_RATE * LATENCY_SECONDS);
  await consumerConnection.close();
  await ch.deleteQueue(queue);
  await ch.close();
  return { p50: percentile(hops, 0.5), p99: percentile(hops, 0.99) };
}

async function publishSteadily(ch: amqp.ConfirmChannel, queue: string): Promise<void> {
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    ch.sendToQueue(queue, Buffer.from(JSON.stringify(body(i, 'lat'))), { contentType: 'application/json' });
  }
}

type Latency = { p50: number; p99: number; max: number; samples: number; receivedP50: number; receivedP99: number };

async function latency(conn: amqp.ChannelModel, pool: Pool): Promise<Latency> {
  const queue = `flowport-bench-lat-${randomBytes(4).toString('hex')}`;
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  const samples: number[] = [];
  const received: number[] = [];
  const delivery = new StreamDelivery({
    // Publish -> handed to the pipeline, to split broker/driver time from recording time.
    mapMessage: async (m) => {
      received.push(performance.now() - (m.body as { t: number }).t);
      return { payload: m.body };
    },
    flowId: `bench-latency-${randomBytes(3).toString('hex')}`,
    driver: new AmqpDriver(),
    driverConfig: { url: AMQP_URL, queue, batchSize: 1 },
    recorder: new PgRunRecorder(pool),
    externalId: 'payload.orderId',
    // Recorded = the run's transaction committed (the ack follows it).
    onRecorded: (_result, batch) => {
      const now = performance.now();
      for (const m of batch) samples.push(now - (m.body as { t: number }).t);
    },
  });
  await delivery.start();
  await publishSteadily(ch, queue);
  await until('latency samples', () => samples.length >= LATENCY_RATE * LATENCY_SECONDS);
  await delivery.stop();
  await ch.deleteQueue(queue);
  await ch.deleteQueue(`${queue}.dlq`);
  await ch.close();
  return {
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: percentile(samples, 1),
    samples: samples.length,
    receivedP50: percentile(received, 0.5),
    receivedP99: percentile(received, 0.99),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const dbName = `flowport_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  // DROP DATABASE ... WITH (FORCE) at the end ends idle connections.
  pool.on('error', () => undefined);
  const conn = await amqp.connect(AMQP_URL);
  try {
    await new PgRunRecorder(pool).ensureSchema();
    console.log(`Stream delivery benchmark (RabbitMQ ${new URL(AMQP_URL).host}, PostgreSQL ${url.host}, ${N_SMALL} / ${N_LARGE} messages)`);
    const rawAmqp = await rawConsumeAck(conn, `flowport-bench-raw-${randomBytes(4).toString('hex')}`, N_LARGE);
    const single = await rawSingleInserts(pool, N_SMALL);
    const rawSingle = single.rate;
    const rawBatched = await rawBatchedInserts(pool, N_LARGE, 100);
    const bs1 = await pipeline(conn, pool, 1, N_SMALL);
    const bs100 = await pipeline(conn, pool, 100, N_LARGE);
    const hop = await rawHopLatency(conn);
    const lat = await latency(conn, pool);

    const lower = Math.min(rawAmqp, rawBatched);
    const lowerName = rawAmqp < rawBatched ? 'raw amqplib consume+ack' : 'raw batched INSERT';
    console.log('\nBaselines (same run)');
    console.log(`  raw amqplib consume+ack (prefetch 200)     ${fmt(rawAmqp)} msgs/s`);
    console.log(`  raw single-row INSERT (1 client, autocommit) ${fmt(rawSingle)} rows/s (each: p50 ${single.p50.toFixed(1)} ms, p99 ${single.p99.toFixed(1)} ms)`);
    console.log(`  raw batched INSERT (100 rows/statement)    ${fmt(rawBatched)} rows/s`);
    console.log(`  raw amqplib publish->consume at ${LATENCY_RATE} msgs/s  p50 ${hop.p50.toFixed(1)} ms, p99 ${hop.p99.toFixed(1)} ms`);
    console.log('\nPipeline: AMQP -> map -> External ID -> PgRunRecorder -> ack');
    console.log(`  Batch Size 1    ${fmt(bs1.rate)} msgs/s (${bs1.runs} runs)`);
    console.log(`  Batch Size 100  ${fmt(bs100.rate)} msgs/s (${bs100.runs} runs)`);
    console.log(`  latency publish->recorded at ${LATENCY_RATE} msgs/s, Batch Size 1: p50 ${lat.p50.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, max ${lat.max.toFixed(1)} ms (${lat.samples} samples)`);
    console.log(`    of which publish->handed to the pipeline: p50 ${lat.receivedP50.toFixed(1)} ms, p99 ${lat.receivedP99.toFixed(1)} ms; the rest is map + recording (one commit)`);

    const checks = [
      {
        name: `Batch Size 100 >= 50% of the lower baseline (${lowerName}, ${fmt(lower)}/s)`,
        pass: bs100.rate >= lower * 0.5,
        got: `${fmt(bs100.rate)} msgs/s = ${((bs100.rate / lower) * 100).toFixed(0)}%`,
        limit: 'recording: each 100-message batch is one commit of 100 rows + a run; the pipeline needs RabbitMQ, PostgreSQL and Node busy at once, the baselines only two of them, so on a small or shared host they compete for CPU (Node is mostly idle waiting on PostgreSQL)',
      },
      {
        name: `Batch Size 1 >= raw single-row INSERT rate (${fmt(rawSingle)}/s)`,
        pass: bs1.rate >= rawSingle,
        got: `${fmt(bs1.rate)} msgs/s`,
        limit: 'each batch is a run plus a message row; group commit needs enough batches in flight (maxInFlightBatches, prefetch)',
      },
      {
        name: 'p99 publish->recorded <= 25 ms',
        pass: lat.p99 <= 25,
        got: `${lat.p99.toFixed(1)} ms`,
        limit: `one durable commit per message group (a raw single-row INSERT alone here: p50 ${single.p50.toFixed(1)} ms, p99 ${single.p99.toFixed(1)} ms) plus the broker hop (p99 ${lat.receivedP99.toFixed(1)} ms in the pipeline, ${hop.p99.toFixed(1)} ms for raw amqplib); the tail follows disk flush time and CPU contention on this host`,
      },
    ];
    console.log('\nTargets');
    for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.name}: ${c.got}${c.pass ? '' : `\n        limited by: ${c.limit}`}`);
  } finally {
    await conn.close().catch(() => undefined);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
