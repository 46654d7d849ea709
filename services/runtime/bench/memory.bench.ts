// Resident memory benchmark: RSS of one runtime process (the real platform app: registry, store,
// flows, runtime on a fresh PostgreSQL database) before and after activating 100 stream flows on
// RabbitMQ (the orders-queue fixture connector's amqp trigger, one queue each), after each flow has
// recorded a few messages. Needs RabbitMQ on 127.0.0.1:5672 and PostgreSQL on 127.0.0.1:5432.
// Run after `npm run bench -w @flowport/runtime` compiled bench/:
// node --enable-source-maps services/runtime/dist/bench/bench/memory.bench.js
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import { TriggerManager } from '../src';
import { Api, createRuntimeApp, waitUntil } from '../test/support/platform';
import { buildOrdersConnector } from './connector';
import { ensureNodeFlags } from './node-flags';

const AMQP_URL = process.env.FLOWPORT_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FLOWS = Number(process.env.FLOWPORT_BENCH_FLOWS ?? 100);
const MESSAGES_PER_FLOW = Number(process.env.FLOWPORT_BENCH_MESSAGES_PER_FLOW ?? 10);
const TARGET_BYTES = 1024 ** 3;

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** RSS after a full GC and a short settle, so the two figures compare retained memory. */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  console.log(`Runtime memory benchmark (${FLOWS} active stream flows on RabbitMQ ${new URL(AMQP_URL).host}, ${MESSAGES_PER_FLOW} messages each)`);
  const built = await buildOrdersConnector('orders-queue');
  const t = await createRuntimeApp({ reconcileIntervalMs: 1000 });
  const connection = await amqp.connect(AMQP_URL).catch(async (error: unknown) => {
    await t.close();
    throw error;
  });
  const channel = await connection.createConfirmChannel();
  const queues: string[] = [];
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const api = new Api(t);
    const accountId = await api.setUpConnector(built, { host: '127.0.0.1', username: 'guest', password: 'guest', port: 5672 });
    const flowIds: string[] = [];
    for (let i = 0; i < FLOWS; i++) {
      const queue = `flowport-bench-mem-${randomBytes(5).toString('hex')}`;
      await channel.assertQueue(queue, { durable: true });
      queues.push(queue);
      const flow = await api.createFlow(
        {
          name: `bench stream ${i}`,
          trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-events', account: accountId, props: { queue }, batchSize: 5, externalId: 'payload.orderId', batchWaitMs: 300 },
          steps: [{ name: 'summary', type: 'map', expression: '{ "count": $count(trigger.messages), "total": $sum(trigger.messages.payload.amount) }' }],
        },
        { activate: false },
      );
      flowIds.push(flow.id);
    }
    const before = await settledRss();
    const heapBefore = process.memoryUsage().heapUsed;
    peak = before;

    for (const id of flowIds) await api.post(`/api/v1/flows/${id}/activate`).expect(200);
    const manager = t.app.get(TriggerManager);
    await waitUntil(`${FLOWS} running stream triggers`, async () => manager.status().filter((s) => s.kind === 'stream').length >= FLOWS, 120_000, 200);
    for (const queue of queues) {
      for (let m = 0; m < MESSAGES_PER_FLOW; m++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ orderId: `${queue}-${m}`, amount: m })), { contentType: 'application/json', persistent: true });
    }
    await channel.waitForConfirms();
    await waitUntil(
      'every message recorded',
      async () => flowIds.every((id) => (manager.delivery(id)?.stats.accepted ?? 0) >= MESSAGES_PER_FLOW),
      120_000,
      200,
    );
    const after = await settledRss();
    const heapAfter = process.memoryUsage().heapUsed;
    const streams = manager.status().filter((s) => s.kind === 'stream').length;

    console.log('\nBaseline (same process)');
    console.log(`  platform app, ${FLOWS} flows created but inactive     RSS ${mib(before)} (JS heap used ${mib(heapBefore)})`);
    console.log(`\nAfter activating them (${streams} running stream triggers, ${FLOWS * MESSAGES_PER_FLOW} messages recorded)`);
    console.log(`  RSS ${mib(after)} (JS heap used ${mib(heapAfter)}), +${mib(after - before)} = ${((after - before) / 1024 / FLOWS).toFixed(0)} KiB per flow; peak RSS sampled ${mib(peak)}`);
    const pass = Math.max(after, peak) <= TARGET_BYTES;
    console.log('\nTargets');
    console.log(`  ${pass ? 'PASS' : 'MISS'}  RSS with ${FLOWS} active stream flows <= 1 GB: ${mib(after)} settled, ${mib(peak)} peak`);
    if (!pass) console.log('        limited by: per-flow broker connection, channel and prefetch buffers plus the platform app itself');
  } finally {
    clearInterval(sampler);
    await t.close();
    for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
    for (const queue of queues) await channel.deleteQueue(`${queue}.dlq`).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

if (ensureNodeFlags(['--no-node-snapshot', '--expose-gc'])) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
