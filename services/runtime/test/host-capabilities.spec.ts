// Issue 5, host capabilities reaching connector calls: the real connectors/postgres and
// connectors/http packages, built with `flowport connector build`, published, installed and used
// by flows created through the API. Postgres actions and its pooling trigger get `ctx.sql` on the
// account's database (a scratch database on the machine's PostgreSQL); the HTTP connector reaches
// the host its URL prop grants (a node:http server on 127.0.0.1) and nothing else. The platform
// allows private networks here (FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK) because both live on
// 127.0.0.1; the SSRF guard's refusals are the sandbox's own tests.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildConnectorPackage, createTestDatabase, type TestDatabase } from '@flowport/testing';
import { Client } from 'pg';
import { TriggerManager } from '../src';
import { Api, createReplica, createRuntimeApp, waitUntil, type RunDetail } from './support/platform';

// Building two connectors with the CLI, pooling at the postgres trigger's 5 s minimum interval.
jest.setTimeout(60_000);

const CONNECTORS = join(__dirname, '..', '..', '..', 'connectors');
const PRIVATE_NETWORK = { FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true' };

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

describe('host capabilities in connector calls: sql for connectors/postgres, granted hosts for connectors/http', () => {
  let t: TestApp;
  let api: Api;
  let platformDb: Client;
  let scratch: TestDatabase;
  let replica: NestExpressApplication | undefined;
  let server: Server;
  let baseUrl: string;
  const received: Received[] = [];
  // What GET /orders lists; the HTTP pooling test adds to it between polls.
  const orders = [{ id: 'o-1', total: 5 }, { id: 'o-2', total: 7 }];
  const versions: Record<string, string> = {};

  /** Publishes and installs the package as the CLI builds it; returns nothing, the version is kept. */
  const install = async (name: 'postgres' | 'http') => {
    const built = await buildConnectorPackage(join(CONNECTORS, name));
    await api.post('/api/v1/registry/connectors', { manifest: built.manifest, bundle: built.code, integrity: built.integrity }).expect(201);
    await api.post('/api/v1/installs', { connector: name, version: built.manifest.version }).expect(201);
    versions[name] = built.manifest.version as string;
  };
  const createAccount = async (connector: string, name: string, values: Record<string, unknown>) =>
    (await api.post('/api/v1/accounts', { connector, name, values }).expect(201)).body.id as string;
  const runManual = async (flowId: string, input: unknown) => api.waitForRun((await api.post(`/api/v1/flows/${flowId}/runs`, { input }).expect(202)).body.runId);
  const runsOf = async (flowId: string) => (await api.get(`/api/v1/runs?flowId=${flowId}&limit=100`).expect(200)).body.items as Array<{ id: string; status: string; messageCount: number }>;
  const details = async (flowId: string) => Promise.all((await runsOf(flowId)).map(async (r) => (await api.get(`/api/v1/runs/${r.id}`).expect(200)).body as RunDetail));

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const port = (server.address() as AddressInfo).port;
        if (req.url === '/elsewhere') {
          // Same server, another host name: the grant covers 127.0.0.1 only.
          res.writeHead(302, { location: `http://localhost:${port}/orders` }).end();
        } else if (req.url?.startsWith('/orders')) {
          res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(req.method === 'POST' ? { created: JSON.parse(body || 'null') } : { data: { items: orders } }));
        } else {
          res.writeHead(404).end('no such route');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [t, scratch] = await Promise.all([createRuntimeApp({ reconcileIntervalMs: 300 }, PRIVATE_NETWORK), createTestDatabase('rt_host_caps')]);
    api = new Api(t);
    await Promise.all([install('postgres'), install('http')]);
    platformDb = new Client({ connectionString: t.db.url });
    await platformDb.connect();
  }, 120_000);
  afterAll(async () => {
    await platformDb?.end();
    await replica?.close();
    await t?.close();
    await scratch?.drop();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('HTTP Send Request reaches the host of its URL prop; a redirect to another host is refused naming it', async () => {
    const account = await createAccount('http', 'local api', { authType: 'bearer', token: 'secret-token' });
    const step = (url: string, extra: object = {}) => ({
      name: 'call',
      type: 'action',
      connector: 'http',
      version: versions.http,
      action: 'send-request',
      account,
      inputs: { url, ...extra },
    });
    const created = await api.createFlow({
      name: 'post an order',
      trigger: { type: 'manual' },
      steps: [step(`${baseUrl}/orders`, { method: 'POST', bodyType: 'json', body: '{{ trigger.input }}' })],
    });
    const ok = await runManual(created.id, { orderId: 'A-1', qty: 2 });
    expect(ok.status).toBe('succeeded');
    expect(ok.steps[0].output).toMatchObject({ status: 201, body: { created: { orderId: 'A-1', qty: 2 } } });
    const post = received.find((r) => r.method === 'POST' && r.url === '/orders')!;
    expect(post.headers.authorization).toBe('Bearer secret-token');
    expect(JSON.parse(post.body)).toEqual({ orderId: 'A-1', qty: 2 });

    const redirected = await api.createFlow({ name: 'follow a redirect', trigger: { type: 'manual' }, steps: [step(`${baseUrl}/elsewhere`)] });
    const refused = await runManual(redirected.id, {});
    expect(refused.status).toBe('failed');
    expect(refused.steps[0].status).toBe('failed');
    expect(refused.steps[0].error).toContain(
      "http.fetch (redirect hop 1) to localhost refused: the host is not in this connector's allowed hosts (127.0.0.1); add it to the connector's allowedHosts, or give it as the URL of an account or prop field that grants its host (grantsHost)",
    );
    // The first hop went out (granted), the redirect target was never called.
    expect(received.filter((r) => r.url === '/elsewhere')).toHaveLength(1);
    expect(received.filter((r) => r.method === 'GET' && r.url === '/orders')).toHaveLength(0);
  });

  it('HTTP Poll Endpoint polls the host of its URL prop through the runtime\'s pooling; an item seen again starts nothing, a new one starts one run', async () => {
    const account = await createAccount('http', 'no auth', { authType: 'none' });
    const flow = await api.createFlow({
      name: 'poll orders',
      trigger: {
        type: 'connector',
        connector: 'http',
        version: versions.http,
        trigger: 'poll-endpoint',
        account,
        props: { url: `${baseUrl}/orders?status=new`, itemsPath: 'data.items' },
        intervalSeconds: 5,
        batchSize: 10,
        includeExisting: true,
      },
      steps: [{ name: 'sum', type: 'map', expression: '$sum(trigger.messages.payload.total)' }],
    });
    const runs = await waitUntil('the first poll\'s run to finish', async () => {
      const items = await runsOf(flow.id);
      return items.length > 0 && items.every((r) => r.status === 'succeeded') ? items : undefined;
    });
    expect(runs).toHaveLength(1);
    const [run] = await details(flow.id);
    expect(run.messages.map((m) => m.externalId)).toEqual(['o-1', 'o-2']);
    expect(run.steps[0].output).toBe(12);
    expect(received.some((r) => r.method === 'GET' && r.url === '/orders?status=new')).toBe(true);

    // Later polls list the same two plus a new one: only the new one starts a run, once.
    orders.push({ id: 'o-3', total: 30 });
    await waitUntil('the run of the new item to finish', async () => {
      const items = await runsOf(flow.id);
      return items.length >= 2 && items.every((r) => r.status === 'succeeded');
    }, 30_000);
    // One poll more after that run: the items it sees again start nothing.
    const pollsBefore = t.app.get(TriggerManager).pooling(flow.id)!.polls;
    await waitUntil('one more poll', async () => t.app.get(TriggerManager).pooling(flow.id)!.polls > pollsBefore, 30_000);
    const after = await details(flow.id);
    expect(after).toHaveLength(2);
    expect(after.every((r) => r.status === 'succeeded')).toBe(true);
    expect(after.flatMap((r) => r.messages.map((m) => m.externalId)).sort()).toEqual(['o-1', 'o-2', 'o-3']);
    expect(after.find((r) => r.messages.some((m) => m.externalId === 'o-3'))!.steps[0].output).toBe(30);
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
  });

  it('Postgres Insert Rows and Run Query steps use ctx.sql on the account\'s database; the account Test gets sql too', async () => {
    await scratch.pool.query('CREATE TABLE orders (id serial PRIMARY KEY, email text NOT NULL, total numeric(10,2) NOT NULL, status text NOT NULL DEFAULT \'new\')');
    const account = await createAccount('postgres', 'scratch', { host: '127.0.0.1', port: 5432, user: 'postgres', database: scratch.name });
    // The store's account Test runs `SELECT 1` through the same capability (CONNECTOR_CAPABILITIES).
    expect((await api.post(`/api/v1/accounts/${account}/test`).expect(200)).body).toEqual({ ok: true });

    const action = (name: string, target: string, inputs: object) => ({ name, type: 'action', connector: 'postgres', version: versions.postgres, action: target, account, inputs });
    const flow = await api.createFlow({
      name: 'store orders',
      trigger: { type: 'manual' },
      steps: [
        action('insert', 'insert-rows', { table: 'orders', rows: '{{ trigger.input.orders }}' }),
        action('paid', 'run-query', { query: 'SELECT email, total FROM orders WHERE total >= $1 ORDER BY id', parameters: ['{{ trigger.input.minimum }}'] }),
      ],
    });
    const run = await runManual(flow.id, { orders: [{ email: 'a@example.com', total: 12.5 }, { email: 'b@example.com', total: 3 }], minimum: 10 });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].output).toEqual({
      rowCount: 2,
      rows: [
        { id: 1, email: 'a@example.com', total: '12.50', status: 'new' },
        { id: 2, email: 'b@example.com', total: '3.00', status: 'new' },
      ],
    });
    expect(run.steps[1].output).toEqual({ rowCount: 1, rows: [{ email: 'a@example.com', total: '12.50' }] });
    expect((await scratch.pool.query('SELECT email FROM orders ORDER BY id')).rows).toEqual([{ email: 'a@example.com' }, { email: 'b@example.com' }]);

    // A database error comes back as the step's error, PostgreSQL's words and code.
    const broken = await api.createFlow({ name: 'broken query', trigger: { type: 'manual' }, steps: [action('q', 'run-query', { query: 'SELECT nope FROM orders' })] });
    const failed = await runManual(broken.id, {});
    expect(failed.status).toBe('failed');
    expect(failed.steps[0].error).toContain('PostgreSQL error 42703: column "nope" does not exist');
  });

  it('Postgres New or Updated Rows starts runs once for new rows through the runtime\'s pooling; a restarted trigger replays none', async () => {
    await scratch.pool.query('CREATE TABLE signups (id serial PRIMARY KEY, email text NOT NULL)');
    await scratch.pool.query("INSERT INTO signups (email) VALUES ('before@example.com')");
    const account = await createAccount('postgres', 'scratch signups', { url: `postgres://postgres@127.0.0.1:5432/${scratch.name}` });
    const flow = await api.createFlow({
      name: 'new signups',
      trigger: {
        type: 'connector',
        connector: 'postgres',
        version: versions.postgres,
        trigger: 'new-or-updated-rows',
        account,
        props: { table: 'signups', cursorColumn: 'id', startFrom: 'now' },
        intervalSeconds: 5,
        batchSize: 10,
      },
      steps: [{ name: 'emails', type: 'map', expression: '[trigger.messages.payload.email]' }],
    });
    const cursor = async () => (await platformDb.query<{ value: { value: string } }>("SELECT value FROM trigger_state WHERE flow_id = $1 AND key = 'cursor'", [flow.id])).rows[0]?.value;
    // First poll: the connector records where the table ends (row 1), no run.
    expect(await waitUntil('the first poll to store its cursor', cursor)).toEqual({ value: '1', id: '1' });
    await scratch.pool.query("INSERT INTO signups (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com')");
    await waitUntil('a run with the three new rows', async () => {
      const runs = await runsOf(flow.id);
      return runs.length === 1 && runs[0].status === 'succeeded' && runs[0].messageCount === 3;
    }, 20_000);
    const [first] = await details(flow.id);
    expect(first.messages.map((m) => m.externalId)).toEqual(['2', '3', '4']);
    expect(first.steps[0].output).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(await cursor()).toEqual({ value: '4', id: '4' });

    // A restart: this process stops its triggers, another process (own sql pools) takes the flow over.
    const before = t.app.get(TriggerManager).pooling(flow.id)!.polls;
    expect(before).toBeGreaterThanOrEqual(2);
    await t.app.get(TriggerManager).onModuleDestroy();
    replica = await createReplica(t);
    const resumed = await waitUntil('the new process to poll twice', async () => {
      const pooling = replica!.get(TriggerManager).pooling(flow.id);
      return pooling && pooling.polls >= 2 ? pooling : undefined;
    }, 20_000);
    expect(resumed.polls).toBeGreaterThanOrEqual(2);
    expect(await runsOf(flow.id)).toHaveLength(1);
    await scratch.pool.query("INSERT INTO signups (email) VALUES ('d@example.com')");
    await waitUntil('one more run for the row added after the restart', async () => {
      const runs = await runsOf(flow.id);
      return runs.length === 2 && runs.every((r) => r.status === 'succeeded');
    }, 20_000);
    const all = await details(flow.id);
    expect(all.flatMap((d) => d.messages.map((m) => m.externalId)).sort()).toEqual(['2', '3', '4', '5']);
    // Nothing came back a second time, not even as a duplicate the platform would have caught.
    const resync = (await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200)).body;
    expect(resync.messages.skipped.filter((m: { reason: string }) => m.reason === 'duplicate')).toEqual([]);
  });
});
