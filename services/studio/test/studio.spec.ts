import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, TestApp } from '@flowport/core';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { StoreModule, storeMigrations } from '@flowport/store';
import request from 'supertest';
import { StudioModule } from '../src';

// The action the tests run: logs, throws on demand (at a known line), echoes props and account.
const GET_ITEM = `import { defineAction, Property } from '@flowport/connector-sdk';
import { exampleAccount } from '../account';

export const getItem = defineAction({
  name: 'get-item',
  displayName: 'Get Item',
  account: exampleAccount,
  props: { itemId: Property.ShortText({ displayName: 'Item ID', required: true }) },
  async run(ctx) {
    ctx.log.info('reading item', ctx.props.itemId);
    if (ctx.props.itemId === 'boom') {
      throw new Error('item boom is broken');
    }
    return { id: ctx.props.itemId, key: ctx.account.apiKey };
  },
});
`;
const THROW_LINE = GET_ITEM.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;

describe('studio HTTP API', () => {
  let t: TestApp;
  let dev: string;
  let member: string;
  let otherDev: string;
  let api: Server;
  let apiUrl: string;
  let files: Record<string, string>;
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    // A tiny item API for the template's pooling trigger (reached through ctx.http).
    api = createServer((req, res) => {
      const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? 0);
      const items = [1, 2, 3].filter((id) => id > after).map((id) => ({ id, name: `Item ${id}`, status: id === 2 ? 'closed' : 'open', createdAt: '2026-01-01T00:00:00Z' }));
      res.setHeader('content-type', 'application/json');
      res.end(req.headers.authorization === 'Bearer k-1' ? JSON.stringify({ items }) : '{}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    t = await createTestApp({
      imports: [RegistryModule.forRoot(), StoreModule, StudioModule],
      migrations: [...registryMigrations, ...storeMigrations],
      label: 'studio',
      env: { FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true' },
    });
    const key = async (k: string, name: string, role: string) =>
      (await request(t.server).post('/api/v1/keys').set(auth(k)).send({ name, role }).expect(201)).body.key as string;
    dev = await key(t.ownerKey, 'dev', 'developer');
    member = await key(t.ownerKey, 'member', 'member');
    const other = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Other' }).expect(201);
    otherDev = await key(other.body.key.key as string, 'other-dev', 'developer');
    const template = await request(t.server).get('/api/v1/studio/template?name=studio-demo').set(auth(dev)).expect(200);
    files = {
      ...(template.body.files as Record<string, string>),
      'src/lib/actions/get-item.ts': GET_ITEM,
    };
    files['src/index.ts'] = files['src/index.ts'].replace("allowedHosts: ['api.example.com']", "allowedHosts: ['127.0.0.1']");
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    api?.close();
  });

  const build = (sources = files) => request(t.server).post('/api/v1/studio/build').set(auth(dev)).send({ files: sources });

  it('serves the SDK template with the name filled in', async () => {
    const res = await request(t.server).get('/api/v1/studio/template?name=acme-crm&displayName=Acme%20CRM').set(auth(dev)).expect(200);
    expect(Object.keys(res.body.files)).toEqual(['src/index.ts', 'src/lib/account.ts', 'src/lib/actions/get-item.ts', 'src/lib/common/client.ts', 'src/lib/triggers/new-items.ts']);
    expect(res.body.files['src/index.ts']).toContain("name: 'acme-crm'");
    expect(res.body.files['src/index.ts']).toContain("displayName: 'Acme CRM'");
    const bad = await request(t.server).get('/api/v1/studio/template?name=Not%20A%20Slug').set(auth(dev)).expect(400);
    expect(bad.body.error.details[0].path).toBe('name');
  });

  it('builds: manifest, bundle, integrity and source map; members may not', async () => {
    const res = await build().expect(200);
    expect(res.body.manifest).toMatchObject({ name: 'studio-demo', version: '0.1.0', allowedHosts: ['127.0.0.1'] });
    expect(res.body.manifest.actions.map((a: { name: string }) => a.name)).toEqual(['get-item']);
    expect(res.body.integrity).toMatch(/^sha256-/);
    expect(JSON.parse(res.body.sourceMap).sources).toContain('../src/lib/actions/get-item.ts');
    expect(res.body.warnings).toEqual([]);
    await request(t.server).post('/api/v1/studio/build').set(auth(member)).send({ files }).expect(403);
  });

  it('a build error names the file, line and column', async () => {
    const broken = { ...files, 'src/lib/actions/get-item.ts': GET_ITEM.replace("name: 'get-item',", "name: 'get-item',,") };
    const res = await build(broken).expect(422);
    expect(res.body.error.code).toBe('BUILD_FAILED');
    expect(res.body.error.details).toEqual([{ path: 'src/lib/actions/get-item.ts:5:20', message: 'Expected identifier but found ","' }]);
    const nodeImport = await build({ ...files, 'src/lib/common/client.ts': `import 'fs';\n${files['src/lib/common/client.ts']}` }).expect(422);
    expect(nodeImport.body.error.details[0]).toEqual({ path: 'src/lib/common/client.ts:1:8', message: expect.stringContaining("imports 'fs'") });
    const escape = await build({ ...files, '../x.ts': '' }).expect(422);
    expect(escape.body.error.details[0].path).toBe('../x.ts');
  });

  it('tests an action: output and logs; a thrown error comes back with its source line', async () => {
    const built = (await build().expect(200)).body;
    const run = (props: object) =>
      request(t.server)
        .post('/api/v1/studio/test')
        .set(auth(dev))
        .send({ bundle: built.bundle, integrity: built.integrity, sourceMap: built.sourceMap, op: 'action', target: 'get-item', props, account: { apiKey: 'k-1' } })
        .expect(200);
    const ok = await run({ itemId: '42' });
    expect(ok.body).toMatchObject({ ok: true, op: 'action.run', output: { id: '42', key: 'k-1' }, error: null });
    expect(ok.body.logs).toEqual([expect.objectContaining({ level: 'info', message: 'reading item 42' })]);
    const failed = await run({ itemId: 'boom' });
    expect(failed.body).toMatchObject({
      ok: false,
      output: null,
      error: { name: 'Error', message: 'item boom is broken', file: 'src/lib/actions/get-item.ts', line: THROW_LINE, column: 13 },
    });
    expect(failed.body.error.stack).toContain(`src/lib/actions/get-item.ts:${THROW_LINE}:13`);
    const missing = await run({});
    expect(missing.body.error.message).toContain('Item ID (itemId) is required');
    const unknown = await request(t.server)
      .post('/api/v1/studio/test')
      .set(auth(dev))
      .send({ bundle: built.bundle, integrity: built.integrity, op: 'action', target: 'nope' })
      .expect(422);
    expect(unknown.body.error.message).toBe('The built connector has no action "nope"; available: get-item');
    const tampered = await request(t.server)
      .post('/api/v1/studio/test')
      .set(auth(dev))
      .send({ bundle: `${built.bundle}\n`, integrity: built.integrity, op: 'action', target: 'get-item' })
      .expect(422);
    expect(tampered.body.error.code).toBe('INTEGRITY_MISMATCH');
  });

  it('tests a pooling trigger with a scratch store: items and the cursor it leaves', async () => {
    const built = (await build().expect(200)).body;
    const res = await request(t.server)
      .post('/api/v1/studio/test')
      .set(auth(dev))
      .send({ bundle: built.bundle, integrity: built.integrity, op: 'trigger', target: 'new-items', props: { status: 'open' }, account: { baseUrl: apiUrl, apiKey: 'k-1' }, state: { lastItemId: 1 } })
      .expect(200);
    expect(res.body).toMatchObject({ ok: true, op: 'trigger.poll', state: { lastItemId: 3 } });
    expect(res.body.output.items.map((i: { id: number }) => i.id)).toEqual([3]);
  });

  it("tests a stream trigger's mapping with its sampleData, or with a given message", async () => {
    const onMessage = `import { defineTrigger, Property } from '@flowport/connector-sdk';

export const onMessage = defineTrigger({
  kind: 'stream',
  name: 'on-message',
  displayName: 'On Message',
  driver: 'amqp',
  props: { queue: Property.ShortText({ displayName: 'Queue', required: true }) },
  sampleData: { orderId: 'o-1' },
  config: (ctx) => ({ url: 'amqp://localhost', queue: ctx.props.queue }),
  map: (message, ctx) => ({ payload: message.body, labels: { queue: ctx.props.queue } }),
});
`;
    const withStream = {
      ...files,
      'src/lib/triggers/on-message.ts': onMessage,
      'src/index.ts': `import { onMessage } from './lib/triggers/on-message';\n${files['src/index.ts'].replace('triggers: [newItems]', 'triggers: [newItems, onMessage]')}`,
    };
    const built = (await build(withStream).expect(200)).body;
    expect(built.manifest.triggers.map((tr: { name: string; kind: string }) => `${tr.name}:${tr.kind}`)).toEqual(['new-items:pooling', 'on-message:stream']);
    const run = (extra: object) =>
      request(t.server)
        .post('/api/v1/studio/test')
        .set(auth(dev))
        .send({ bundle: built.bundle, integrity: built.integrity, op: 'trigger', target: 'on-message', props: { queue: 'orders' }, ...extra })
        .expect(200);
    const sample = await run({});
    expect(sample.body).toMatchObject({ ok: true, op: 'trigger.map', output: { payload: { orderId: 'o-1' }, labels: { queue: 'orders' } } });
    const given = await run({ message: { id: 'm-2', body: { orderId: 'o-2' }, headers: {}, attributes: {}, receivedAt: '2026-11-26T00:00:00Z' } });
    expect(given.body.output.payload).toEqual({ orderId: 'o-2' });
  });

  it('publishes the built bundle through the registry and lists own connectors; a saved account is used by id', async () => {
    const built = (await build().expect(200)).body;
    await request(t.server).post('/api/v1/registry/connectors').set(auth(dev)).send({ manifest: built.manifest, bundle: built.bundle, integrity: built.integrity }).expect(201);
    const again = await request(t.server).post('/api/v1/registry/connectors').set(auth(dev)).send({ manifest: built.manifest, bundle: built.bundle, integrity: built.integrity }).expect(409);
    expect(again.body.error.code).toBe('VERSION_EXISTS');
    const next = (await build({ ...files, 'src/index.ts': files['src/index.ts'].replace("version: '0.1.0'", "version: '0.2.0'") }).expect(200)).body;
    await request(t.server).post('/api/v1/registry/connectors').set(auth(dev)).send({ manifest: next.manifest, bundle: next.bundle, integrity: next.integrity }).expect(201);

    const mine = await request(t.server).get('/api/v1/studio/connectors').set(auth(dev)).expect(200);
    expect(mine.body.nextCursor).toBeNull();
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.items[0]).toMatchObject({ name: 'studio-demo', displayName: 'Studio Demo', latestVersion: '0.2.0', highestVersion: '0.2.0' });
    expect(mine.body.items[0].versions.map((v: { version: string }) => v.version)).toEqual(['0.2.0', '0.1.0']);
    const theirs = await request(t.server).get('/api/v1/studio/connectors').set(auth(otherDev)).expect(200);
    expect(theirs.body.items).toEqual([]);

    await request(t.server).post('/api/v1/installs').set(auth(dev)).send({ connector: 'studio-demo' }).expect(201);
    const account = await request(t.server)
      .post('/api/v1/accounts')
      .set(auth(dev))
      .send({ connector: 'studio-demo', name: 'Saved', values: { baseUrl: apiUrl, apiKey: 'saved-key' } })
      .expect(201);
    const res = await request(t.server)
      .post('/api/v1/studio/test')
      .set(auth(dev))
      .send({ bundle: next.bundle, integrity: next.integrity, op: 'action', target: 'get-item', props: { itemId: '7' }, accountId: account.body.id })
      .expect(200);
    expect(res.body.output).toEqual({ id: '7', key: 'saved-key' });
    const foreign = await request(t.server)
      .post('/api/v1/studio/test')
      .set(auth(otherDev))
      .send({ bundle: next.bundle, integrity: next.integrity, op: 'action', target: 'get-item', props: { itemId: '7' }, accountId: account.body.id })
      .expect(404);
    expect(foreign.body.error.code).toBe('ACCOUNT_NOT_FOUND');
  });
});
