import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@flowport/core';
import request from 'supertest';
import { platformEnv } from './support/env';
import { buildApi, spawnPlatform, type PlatformProcess } from './support/processes';
import { closedPort, spawnStandIn, type StandIn } from './support/stand-ins';

jest.setTimeout(120_000);

type UpstreamReport = { url: string; state: 'up' | 'down'; health?: number; error?: string; skippedUntil?: string; refusalsInARow: number; requests: number };

// The api role as its own process (`node dist/main.js`, what the container runs) in front of
// stand-in upstream processes: each role is one scenario of FLOWPORT_<ROLE>_URL lists.
//   runtime  two answering replicas; one is killed mid-way
//   store    a closed port, then an answering process
//   flows    two processes that reset the connection after reading a request
//   registry one that resets, then an answering one
describe('the api gateway over several processes of a role', () => {
  let db: TestDatabase;
  let api: PlatformProcess;
  const up: Record<'runtime1' | 'runtime2' | 'store' | 'flows1' | 'flows2' | 'registryReset' | 'registry', StandIn> = {} as never;
  let refusing: string;

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase('gateway'), buildApi()]);
    const [runtime1, runtime2, store, flows1, flows2, registryReset, registry, port] = await Promise.all([
      spawnStandIn('runtime-1', 'answer'),
      spawnStandIn('runtime-2', 'answer'),
      spawnStandIn('store', 'answer'),
      spawnStandIn('flows-1', 'reset'),
      spawnStandIn('flows-2', 'reset'),
      spawnStandIn('registry-reset', 'reset'),
      spawnStandIn('registry', 'answer'),
      closedPort(),
    ]);
    Object.assign(up, { runtime1, runtime2, store, flows1, flows2, registryReset, registry });
    refusing = `http://127.0.0.1:${port}`;
    api = await spawnPlatform({
      ...platformEnv(db.url),
      FLOWPORT_ROLES: 'api',
      FLOWPORT_RUNTIME_URL: `${runtime1.url},${runtime2.url}`,
      FLOWPORT_STORE_URL: `${refusing}, ${store.url}`,
      FLOWPORT_FLOWS_URL: `${flows1.url},${flows2.url}`,
      FLOWPORT_REGISTRY_URL: `${registryReset.url},${registry.url}`,
    });
  });
  afterAll(async () => {
    if (api && api.child.exitCode === null) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    await Promise.all(Object.values(up).map((u) => u.kill()));
    await db?.drop();
  });

  const ready = async () => (await request(api.url).get('/ready').expect(200)).body.details.upstreams as Record<string, UpstreamReport[]>;

  it('takes the runtime replicas in turn, forwarding body bytes and X-Forwarded headers unchanged', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const body = `{"order": ${i},  "note":"bytes as sent"}`;
      const res = await request(api.url).post(`/hooks/flow-1?token=t${i}`).set('content-type', 'application/json').send(body).expect(200);
      expect(res.body).toMatchObject({ method: 'POST', url: `/hooks/flow-1?token=t${i}`, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') });
      expect(res.body.headers).toMatchObject({ 'x-forwarded-host': new URL(api.url).host, 'x-forwarded-for': '127.0.0.1', host: new URL(res.body.upstream === 'runtime-1' ? up.runtime1.url : up.runtime2.url).host });
      seen.push(res.body.upstream);
    }
    expect(seen).toEqual(['runtime-1', 'runtime-2', 'runtime-1', 'runtime-2', 'runtime-1', 'runtime-2']);
    expect((await up.runtime1.calls()).length).toBe(3);
    expect((await up.runtime2.calls()).length).toBe(3);
  });

  it('sends a request refused by the first process to the next one with its whole body, streamed', async () => {
    // Larger than the JSON and webhook body limits: the gateway neither parses nor buffers it.
    const body = randomBytes(3 * 1024 * 1024);
    const res = await request(api.url).post('/api/v1/accounts').set('content-type', 'application/octet-stream').send(body).expect(200);
    expect(res.body).toMatchObject({ upstream: 'store', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    // While skipped, the refusing process is not tried: the next call goes straight to the store.
    await request(api.url).get('/api/v1/store/connectors').expect(200);
    expect((await up.store.calls()).map((c) => c.method)).toEqual(['POST', 'GET']);
    expect(api.output().match(new RegExp(`"upstream":"${refusing.replace(/[.]/g, '\\.')}"`, 'g'))).toHaveLength(1);
    expect((await ready()).store).toEqual([
      expect.objectContaining({ url: refusing, state: 'down', error: expect.stringMatching(/ECONNREFUSED/) }),
      expect.objectContaining({ url: up.store.url, state: 'up', health: 200 }),
    ]);
  });

  it('a killed runtime replica costs no failed request: its refused connections go to the other one', async () => {
    await up.runtime1.kill();
    const answered: string[] = [];
    // The first refusal skips runtime-1 for 1 s; after it, runtime-1 is tried (and refused) again.
    for (const round of [0, 1]) {
      if (round === 1) await new Promise((r) => setTimeout(r, 1200));
      for (let i = 0; i < 10; i++) {
        const res = await request(api.url).post('/hooks/flow-1').send({ round, i });
        expect({ status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({ status: 200, body: undefined });
        answered.push(res.body.upstream);
      }
    }
    expect(new Set(answered)).toEqual(new Set(['runtime-2']));
    expect((await up.runtime2.calls()).length).toBe(3 + 20);
    expect(api.output()).toMatch(/"context":"Gateway"[^\n]*"role":"runtime","upstream":"http:\/\/127\.0\.0\.1:\d+","error":"[^"]*ECONNREFUSED[^\n]*Upstream refused the connection; the request goes to the next one/);

    const report = (await ready()).runtime;
    expect(report).toEqual([
      expect.objectContaining({ url: up.runtime1.url, state: 'down', error: expect.stringMatching(/ECONNREFUSED/), skippedUntil: expect.any(String), refusalsInARow: expect.any(Number) }),
      expect.objectContaining({ url: up.runtime2.url, state: 'up', health: 200, refusalsInARow: 0 }),
    ]);
    expect(report[0].refusalsInARow).toBeGreaterThanOrEqual(2);
  });

  it('does not send a POST again once it reached a process: a reset after sending answers 502', async () => {
    const res = await request(api.url).post('/api/v1/flows').send({ name: 'sent once' }).expect(502);
    expect(res.body.error).toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
      message: expect.stringMatching(/^The flows process at http:\/\/127\.0\.0\.1:\d+ failed after the POST request was sent \([^)]*ECONNRESET[^)]*\); it was not sent to another flows process because it may have been processed$/),
      details: [{ path: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), message: expect.stringMatching(/ECONNRESET/) }],
    });
    const calls = [...(await up.flows1.calls()), ...(await up.flows2.calls())];
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/v1/flows']);
  });

  it('sends a bodiless GET that failed after sending to the next process (reads are safe to repeat)', async () => {
    const res = await request(api.url).get('/api/v1/registry/connectors?q=x').expect(200);
    expect(res.body).toMatchObject({ upstream: 'registry', method: 'GET', url: '/api/v1/registry/connectors?q=x' });
    expect((await up.registryReset.calls()).map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/v1/registry/connectors?q=x']);

    // Every process failing: 502 naming each one, each tried once.
    const failed = await request(api.url).get('/api/v1/flows').expect(502);
    expect(failed.body.error.code).toBe('UPSTREAM_UNREACHABLE');
    expect(failed.body.error.message).toMatch(/^None of the 2 flows processes of FLOWPORT_FLOWS_URL answered/);
    expect(failed.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([up.flows1.url, up.flows2.url].sort());
    const gets = [...(await up.flows1.calls()), ...(await up.flows2.calls())].filter((c) => c.method === 'GET');
    expect(gets).toHaveLength(2);
  });
});

describe('FLOWPORT_RUNTIME_URL at start-up', () => {
  beforeAll(() => buildApi());

  it('stops the process on a bad entry of the list, naming the variable and the accepted form', async () => {
    await expect(
      spawnPlatform({ ...platformEnv('postgres://postgres@127.0.0.1:5432/unused'), FLOWPORT_ROLES: 'api', FLOWPORT_RUNTIME_URL: 'http://runtime-1:3000,runtime-2:3000' }, 30_000),
    ).rejects.toThrow(
      /exited with 1 before it was ready:[\s\S]*Flowport cannot start\. Invalid configuration:\n {2}- FLOWPORT_RUNTIME_URL must be the http:\/\/ or https:\/\/ base URL of a runtime process, or a comma list of them \(e\.g\. http:\/\/runtime-1:3000,http:\/\/runtime-2:3000\): entry 2 is not http:\/\/ or https:\/\/ \(got "runtime-2:3000"\)/,
    );
  });
});
