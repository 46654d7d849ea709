// Pooling scheduler benchmark: 500 active pooling flows (the orders-queue fixture connector's
// new-orders trigger, 1 s interval) on one runtime process (the real platform app on a fresh
// PostgreSQL database) for ~15 s: achieved polls/s and lateness, beside 500 bare setInterval(1 s)
// timers' lateness in the same process. Lateness = gap between two consecutive polls of one flow
// (poll() entered, i.e. after the lease check when one is due) minus the interval, floored at 0. The flows' External
// ID is a constant, so after the first poll every item is a duplicate: polling, not run execution,
// is measured. Needs PostgreSQL on 127.0.0.1:5432.
// Run after `npm run bench -w @flowport/runtime` compiled bench/:
// node --enable-source-maps services/runtime/dist/bench/bench/pooling.bench.js
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { TriggerManager } from '../src';
import { PoolingTrigger } from '../src/triggers/pooling-trigger';
import { Api, createRuntimeApp, waitUntil } from '../test/support/platform';
import { buildOrdersConnector } from './connector';
import { ensureNodeFlags } from './node-flags';
import { countStatements } from './pg-statements';

const FLOWS = Number(process.env.FLOWPORT_BENCH_POOLING_FLOWS ?? 500);
const SECONDS = Number(process.env.FLOWPORT_BENCH_SECONDS ?? 15);
const INTERVAL_MS = 1000;

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Lateness of consecutive ticks per key inside [from, to). */
function lateness(ticks: Map<string, number[]>, from: number, to: number): { count: number; late: number[] } {
  const late: number[] = [];
  let count = 0;
  for (const times of ticks.values()) {
    const inWindow = times.filter((x) => x >= from && x < to);
    count += inWindow.length;
    for (let i = 1; i < inWindow.length; i++) late.push(Math.max(0, inWindow[i] - inWindow[i - 1] - INTERVAL_MS));
  }
  return { count, late };
}

async function bareTimers(): Promise<{ rate: number; p50: number; p99: number }> {
  const ticks = new Map<string, number[]>();
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < FLOWS; i++) {
    const times: number[] = [];
    ticks.set(String(i), times);
    // Spread like the triggers' first polls, which start as activations arrive.
    setTimeout(() => timers.push(setInterval(() => times.push(performance.now()), INTERVAL_MS)), (i * INTERVAL_MS) / FLOWS);
  }
  const from = performance.now() + 2000;
  await new Promise((r) => setTimeout(r, 2000 + SECONDS * 1000));
  const to = performance.now();
  for (const t of timers) clearInterval(t);
  const { count, late } = lateness(ticks, from, to);
  return { rate: count / ((to - from) / 1000), p50: percentile(late, 0.5), p99: percentile(late, 0.99) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(`Pooling benchmark (${FLOWS} active pooling flows at a ${INTERVAL_MS / 1000} s interval, ${SECONDS} s measured)`);
  const built = await buildOrdersConnector('orders-queue');
  const t = await createRuntimeApp({ reconcileIntervalMs: 1000 });
  try {
    const api = new Api(t);
    await api.post('/api/v1/registry/connectors', built).expect(201);
    await api.post('/api/v1/installs', { connector: 'orders-queue', version: '1.0.0' }).expect(201);

    const ticks = new Map<string, number[]>();
    const poll = PoolingTrigger.prototype.poll;
    PoolingTrigger.prototype.poll = function (this: PoolingTrigger) {
      const id = (this as unknown as { flow: { id: string } }).flow.id;
      let times = ticks.get(id);
      if (!times) ticks.set(id, (times = []));
      times.push(performance.now());
      return poll.call(this);
    };

    const flowIds: string[] = [];
    for (let i = 0; i < FLOWS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, FLOWS - i) }, (_, j) =>
          api.createFlow(
            {
              name: `bench poll ${i + j}`,
              trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'new-orders', props: { perPoll: 1 }, intervalSeconds: 1, batchSize: 10, externalId: '"same-order"' },
              steps: [{ name: 'id', type: 'map', expression: 'trigger.messages[0].externalId' }],
            },
            { activate: false },
          ),
        ),
      );
      flowIds.push(...batch.map((f) => f.id));
    }
    for (let i = 0; i < flowIds.length; i += 10) await Promise.all(flowIds.slice(i, i + 10).map((id) => api.post(`/api/v1/flows/${id}/activate`).expect(200)));
    const manager = t.app.get(TriggerManager);
    await waitUntil(`${FLOWS} running pooling triggers`, async () => manager.status().filter((s) => s.kind === 'pooling').length >= FLOWS, 120_000, 200);

    // Warm-up: every trigger's first poll (items existing at activation), then the measured window.
    await new Promise((r) => setTimeout(r, 3000));
    const from = performance.now();
    const { statements } = await countStatements(() => new Promise((r) => setTimeout(r, SECONDS * 1000)));
    const to = performance.now();
    const db = new Client({ connectionString: t.db.url });
    await db.connect();
    const runCount = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM runs')).rows[0].n);
    await db.end();
    const measured = lateness(ticks, from, to);
    const rate = measured.count / ((to - from) / 1000);
    const p50 = percentile(measured.late, 0.5);
    const p99 = percentile(measured.late, 0.99);
    const polling = flowIds.filter((id) => (ticks.get(id)?.length ?? 0) > 0).length;

    // Triggers off before the baseline so it runs in the same process without their load.
    for (let i = 0; i < flowIds.length; i += 10) await Promise.all(flowIds.slice(i, i + 10).map((id) => api.post(`/api/v1/flows/${id}/deactivate`).expect(200)));
    await waitUntil('pooling triggers stopped', async () => manager.status().filter((s) => s.kind === 'pooling').length === 0, 60_000, 200);
    const bare = await bareTimers();

    console.log('\nBaseline (same process, triggers stopped)');
    console.log(`  ${FLOWS} bare setInterval(${INTERVAL_MS} ms)   ${fmt(bare.rate)} ticks/s, lateness p50 ${bare.p50.toFixed(1)} ms, p99 ${bare.p99.toFixed(1)} ms`);
    console.log(`\nRuntime: ${FLOWS} pooling triggers (leases renewed on the replica's beat, connector poll in the sandbox, item recorded as a duplicate, trigger state written)`);
    console.log(`  ${polling} flows polled; ${fmt(rate)} polls/s (${measured.count} polls in ${((to - from) / 1000).toFixed(1)} s), lateness p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${runCount} runs started (items were duplicates)`);
    console.log(`  PostgreSQL statements meanwhile: ${fmt(statements)} (${(statements / Math.max(1, measured.count)).toFixed(2)} per poll, lease renewals included)`);
    const ideal = (FLOWS * 1000) / INTERVAL_MS;
    const limit = `each poll is a sandbox call, a recording statement (the duplicate check, group-committed with other polls) and a trigger-state write; leases of all ${FLOWS} flows are one statement per beat (${INTERVAL_MS / 4} ms); the process, PostgreSQL and the timers share this host's cores`;
    const checks = [
      { name: `polls/s >= 95% of the ideal ${fmt(ideal)}/s`, pass: rate >= ideal * 0.95, got: `${fmt(rate)}/s = ${((rate / ideal) * 100).toFixed(0)}% (bare timers ${fmt(bare.rate)}/s)` },
      { name: 'lateness p99 <= 200 ms', pass: p99 <= 200, got: `${p99.toFixed(1)} ms (bare timers ${bare.p99.toFixed(1)} ms)` },
    ];
    console.log('\nTargets');
    for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.name}: ${c.got}${c.pass ? '' : `\n        limited by: ${limit}`}`);
  } finally {
    await t.close();
  }
}

if (ensureNodeFlags(['--no-node-snapshot'])) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
