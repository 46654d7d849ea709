import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSandbox } from '../src/cli/commands';
import { linkSdk, run, scaffold, tempDir } from './cli-helpers';

// Spawns processes and bundles; the root Jest config's 5 s default is too tight on a loaded machine.
jest.setTimeout(60_000);

/** The API the scaffolded connector talks to, on loopback. */
function startApi(): Promise<{ url: string; server: Server }> {
  const items = [1, 2, 3].map((id) => ({ id, name: `Item ${id}`, status: id === 2 ? 'closed' : 'open', createdAt: `2026-01-0${id}T00:00:00Z` }));
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer live-key') return send(401, { error: 'unauthorized' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/items') return send(200, { items: items.filter((i) => i.id > Number(url.searchParams.get('after') ?? 0)) });
    const item = items.find((i) => url.pathname === `/items/${i.id}`);
    return item ? send(200, item) : send(404, { error: 'not found' });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })),
  );
}

describe('flowport connector test (in the platform sandbox)', () => {
  const tmp = tempDir('sandbox');
  let dir: string;
  let api: { url: string; server: Server };
  const local = ['--allow-host', '127.0.0.1', '--allow-private-network'];

  beforeAll(async () => {
    dir = await scaffold(tmp.dir, 'acme-live');
    api = await startApi();
    writeFileSync(join(dir, 'account.json'), JSON.stringify({ baseUrl: api.url, apiKey: 'live-key' }));
    writeFileSync(join(dir, 'bad-account.json'), JSON.stringify({ baseUrl: api.url, apiKey: 'wrong' }));
    writeFileSync(join(dir, 'props.json'), JSON.stringify({ itemId: '2' }));
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ lastItemId: 1 }));
  });
  afterAll(async () => {
    await new Promise((resolve) => api.server.close(resolve));
    tmp.cleanup();
  });

  it('runs an action and prints its output', async () => {
    const result = await run(['connector', 'test', 'action', 'get-item', '--props', 'props.json', '--account', 'account.json', ...local], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/action\.run\s+\d+ ms/);
    expect(result.stdout).toContain('action.run output:\n{\n  "id": 2,\n  "name": "Item 2",');
  });

  it('polls a pooling trigger from a seeded state and prints items and the new state', async () => {
    const result = await run(['connector', 'test', 'trigger', '--account', 'account.json', '--state', 'state.json', ...local], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = result.stdout.slice(result.stdout.indexOf('2 item(s):'));
    expect(printed).toContain('"name": "Item 2"');
    expect(printed).toContain('"name": "Item 3"');
    expect(printed).not.toContain('"name": "Item 1"');
    expect(printed).toContain('store state after the poll:\n{\n  "lastItemId": 3\n}');
  });

  it('peeks with --peek without moving the cursor', async () => {
    const result = await run(['connector', 'test', 'trigger', 'new-items', '--peek', '--account', 'account.json', '--state', 'state.json', ...local], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('trigger.test output:');
    expect(result.stdout).not.toContain('store state');
  });

  it('exits 1 with the connector error when the call fails', async () => {
    const result = await run(['connector', 'test', 'action', 'get-item', '--props', 'props.json', '--account', 'bad-account.json', ...local], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('action "get-item" failed (action.run): Error: The API key was refused (HTTP 401): check the account');
  });

  it('the sandbox enforces the manifest host allowlist', async () => {
    const result = await run(['connector', 'test', 'action', 'get-item', '--props', 'props.json', '--account', 'account.json'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/action "get-item" failed \(action\.run\): \w+: .*127\.0\.0\.1/);
  });

  it('usage errors: unknown name, missing file', async () => {
    const unknown = await run(['connector', 'test', 'action', 'delete-item', '--account', 'account.json'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown action "delete-item"; available: get-item');
    const missing = await run(['connector', 'test', 'action', '--props', 'nope.json'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('props file nope.json not found');
  });

  it('explains how to install the sandbox when it is missing', () => {
    expect(() => loadSandbox('@flowport/sandbox-missing')).toThrow(
      'flowport connector test runs your connector in the platform sandbox, which is not installed: npm install --save-dev @flowport/sandbox',
    );
    try {
      loadSandbox('@flowport/sandbox-missing');
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe('flowport connector test for stream and webhook triggers', () => {
  const tmp = tempDir('sandbox-stream');
  const dir = join(tmp.dir, 'rabbit');
  beforeAll(() => {
    mkdirSync(join(dir, 'src'), { recursive: true });
    linkSdk(dir);
    writeFileSync(
      join(dir, 'src', 'index.ts'),
      `import { defineConnector, defineTrigger, Property } from '@flowport/connector-sdk';
export default defineConnector({
  name: 'rabbit', version: '1.0.0', displayName: 'Rabbit',
  triggers: [
    defineTrigger({
      kind: 'stream', name: 'consume', displayName: 'Consume', driver: 'amqp',
      props: { queue: Property.ShortText({ displayName: 'Queue', required: true }) },
      config: (ctx) => ({ url: 'amqp://127.0.0.1:5672', queue: ctx.props.queue, connectionName: 'batch-' + ctx.props.batchSize }),
      map: (message) => ({ payload: { order: message.body }, labels: { id: message.id } }),
    }),
    defineTrigger({
      kind: 'webhook', name: 'hook', displayName: 'Hook',
      handle: (request) => (request.body as { events: unknown[] }).events,
    }),
  ],
});
`,
    );
    writeFileSync(join(dir, 'props.json'), JSON.stringify({ queue: 'orders', batchSize: 20 }));
    writeFileSync(join(dir, 'message.json'), JSON.stringify({ id: 'm-9', body: { total: 5 }, headers: {}, attributes: {}, receivedAt: '2026-01-01T00:00:00Z' }));
    writeFileSync(join(dir, 'request.json'), JSON.stringify({ method: 'POST', path: '/', query: {}, headers: {}, body: { events: [{ a: 1 }, { a: 2 }] }, rawBody: '' }));
  });
  afterAll(() => tmp.cleanup());

  it('stream: prints the driver config, then the mapped message', async () => {
    const result = await run(['connector', 'test', 'trigger', 'consume', '--props', 'props.json', '--message', 'message.json'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('trigger.config output:\n' + JSON.stringify({ url: 'amqp://127.0.0.1:5672', queue: 'orders', connectionName: 'batch-20' }, null, 2));
    expect(result.stdout).toContain('trigger.map output:\n' + JSON.stringify({ payload: { order: { total: 5 } }, labels: { id: 'm-9' } }, null, 2));
  });

  it('webhook: turns the request file into payloads', async () => {
    const result = await run(['connector', 'test', 'trigger', 'hook', '--request', 'request.json'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('trigger.webhook output:\n' + JSON.stringify({ payloads: [{ a: 1 }, { a: 2 }] }, null, 2));
  });

  it('asks for a name when there are several triggers', async () => {
    const result = await run(['connector', 'test', 'trigger'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('name the trigger to test; available: consume, hook');
  });
});
