// Webhook intake benchmark: accepted requests/s and latency of POST /hooks/{flowId} on the real
// platform app (registry, store, flows, runtime on a fresh PostgreSQL database, listening on
// loopback) with 50 concurrent keep-alive clients, beside a bare node:http server answering 202
// driven by the same client loop in the same run. Needs PostgreSQL on 127.0.0.1:5432 (the test
// database settings of @flowport/core). Run after `npm run bench -w @flowport/runtime` compiled bench/:
// node --enable-source-maps services/runtime/dist/bench/bench/webhook.bench.js
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Api, createRuntimeApp } from '../test/support/platform';
import { ensureNodeFlags } from './node-flags';
import { countStatements } from './pg-statements';

const CLIENTS = Number(process.env.FLOWPORT_BENCH_CLIENTS ?? 50);
const SECONDS = Number(process.env.FLOWPORT_BENCH_SECONDS ?? 10);
const MAX_REQUESTS = Number(process.env.FLOWPORT_BENCH_MAX_REQUESTS ?? 200_000);

type Result = { accepted: number; other: number; errors: number; rate: number; p50: number; p99: number; seconds: number };

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** CLIENTS loops, each sending one request at a time on a keep-alive socket, for SECONDS (bounded by MAX_REQUESTS). */
async function load(port: number, path: string, headers: Record<string, string>, seconds = SECONDS): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let accepted = 0;
  let other = 0;
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const once = (i: number) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ order: { id: `o-${i}`, total: i % 97 }, customer: `c-${i % 50}` });
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t0);
            if (res.statusCode === 202) accepted++;
            else other++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end && sent < MAX_REQUESTS) await once(sent++);
    }),
  );
  const took = (performance.now() - start) / 1000;
  agent.destroy();
  return { accepted, other, errors, rate: accepted / took, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), seconds: took };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (r: Result) =>
  `${fmt(r.rate)} accepted/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${fmt(r.accepted)} x 202, ${r.other} other, ${r.errors} errors in ${r.seconds.toFixed(1)} s)`;

async function main(): Promise<void> {
  console.log(`Webhook benchmark (${CLIENTS} concurrent keep-alive clients, ${SECONDS} s each, loopback)`);
  const bare = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"runId":"00000000-0000-0000-0000-000000000000"}');
    });
  });
  const barePort = await listen(bare);
  await load(barePort, '/hooks/bare', {}, 2);
  const baseline = await load(barePort, '/hooks/bare', {});
  await new Promise((resolve) => bare.close(resolve));

  // The per-flow rate limit is raised so it does not cap the measurement.
  const t = await createRuntimeApp({ webhookRateLimit: { limit: 100_000_000, windowMs: 60_000 } });
  try {
    const api = new Api(t);
    const flow = await api.createFlow({ name: 'bench hook', trigger: { type: 'webhook', requiredFields: ['order.id'] }, steps: [{ name: 'id', type: 'map', expression: 'trigger.input.order.id' }] });
    const port = await listen(t.server as http.Server);
    // Warm-up: routes, JIT, pool connections.
    await load(port, `/hooks/${flow.id}`, { 'x-flowport-token': flow.webhookToken! }, 2);
    const { result: platform, statements } = await countStatements(() => load(port, `/hooks/${flow.id}`, { 'x-flowport-token': flow.webhookToken! }));

    console.log('\nBaseline (same run)');
    console.log(`  bare node:http answering 202     ${line(baseline)}`);
    console.log('\nPlatform: POST /hooks/{flowId} (token check, body parse, required fields, run recorded in PostgreSQL, 202 { runId }); the executor runs the queued runs meanwhile');
    console.log(`  real platform app                ${line(platform)}`);
    console.log(`  PostgreSQL statements meanwhile  ${fmt(statements)} (${(statements / Math.max(1, platform.accepted)).toFixed(2)} per accepted call, the executor's included)`);
    const checks = [
      { name: 'accepted >= 2,000/s', pass: platform.rate >= 2000, got: `${fmt(platform.rate)}/s (bare server ${fmt(baseline.rate)}/s)` },
      { name: 'p99 latency <= 50 ms', pass: platform.p99 <= 50, got: `${platform.p99.toFixed(1)} ms (bare server ${baseline.p99.toFixed(1)} ms)` },
    ];
    const limit =
      'CPU: the client loop, Node (HTTP, Nest, the executor running the queued runs) and PostgreSQL share this host\'s cores; each call waits for the next grouped insert of queued runs (one commit for all calls waiting), see services/runtime/README.md for the profile';
    console.log('\nTargets');
    for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'MISS'}  ${c.name}: ${c.got}${c.pass ? '' : `\n        limited by: ${limit}`}`);
  } finally {
    await t.close();
  }
}

if (ensureNodeFlags(['--no-node-snapshot'])) main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
