import { createTestApp, TestApp } from '@flowport/core';
import { buildDemoConnector, RegistryModule, registryMigrations } from '@flowport/registry';
import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { AccountsService, INSTALL_USAGE_CHECKER, InstallUsageChecker, StoreModule, storeMigrations } from '../src';

// Stands in for the flows service: the store asks it which flows use a connector.
const flowsUsing = new Map<string, string[]>();
@Global()
@Module({
  providers: [{ provide: INSTALL_USAGE_CHECKER, useValue: { flowsUsing: async (ws: string, c: string) => flowsUsing.get(`${ws}/${c}`) ?? [] } satisfies InstallUsageChecker }],
  exports: [INSTALL_USAGE_CHECKER],
})
class FlowsUsageModule {}

describe('store HTTP API', () => {
  let t: TestApp;
  let dev: string;
  let member: string;
  let otherOwner: string;
  let otherWorkspaceId: string;
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    const builds = ['1.0.0', '1.1.0', '1.2.0'].map((version) => buildDemoConnector({ version }));
    t = await createTestApp({ imports: [RegistryModule.forRoot(), StoreModule, FlowsUsageModule], migrations: [...registryMigrations, ...storeMigrations], label: 'store' });
    const key = async (role: string) => (await request(t.server).post('/api/v1/keys').set(auth(t.ownerKey)).send({ name: role, role }).expect(201)).body.key as string;
    dev = await key('developer');
    member = await key('member');
    const other = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Other' }).expect(201);
    otherOwner = other.body.key.key;
    otherWorkspaceId = other.body.workspace.id;
    for (const built of await Promise.all(builds)) {
      await request(t.server).post('/api/v1/registry/connectors').set(auth(dev)).send(built).expect(201);
    }
    await request(t.server).post('/api/v1/registry/connectors/demo-queue/versions/1.2.0/deprecate').set(auth(dev)).expect(200);
  }, 60_000);
  afterAll(() => t?.close());

  it('Connectors tab: latest installable version, counts, installedVersion, search', async () => {
    const res = await request(t.server).get('/api/v1/store/connectors').set(auth(member)).expect(200);
    expect(res.body).toEqual({
      items: [
        {
          name: 'demo-queue',
          displayName: 'Demo Queue',
          icon: '',
          description: 'Queues for the registry tests',
          categories: ['Messaging'],
          latestVersion: '1.1.0',
          actionCount: 1,
          triggerCount: 2,
          installedVersion: null,
        },
      ],
      nextCursor: null,
    });
    const none = await request(t.server).get('/api/v1/store/connectors?q=zzz').set(auth(member)).expect(200);
    expect(none.body.items).toEqual([]);
    const cat = await request(t.server).get('/api/v1/store/connectors?category=Messaging&q=queue').set(auth(member)).expect(200);
    expect(cat.body.items).toHaveLength(1);
  });

  it('Triggers tab: every trigger of the latest version, filterable', async () => {
    const res = await request(t.server).get('/api/v1/store/triggers').set(auth(member)).expect(200);
    expect(res.body.items.map((i: { name: string }) => i.name)).toEqual(['listen-queue', 'new-rows']);
    expect(res.body.items[0]).toMatchObject({
      connector: 'demo-queue',
      connectorDisplayName: 'Demo Queue',
      connectorVersion: '1.1.0',
      displayName: 'Listen Queue',
      kind: 'stream',
      driver: 'amqp',
      props: { type: 'object', required: ['queue'] },
    });
    const pooling = await request(t.server).get('/api/v1/store/triggers?kind=pooling').set(auth(member)).expect(200);
    expect(pooling.body.items.map((i: { name: string }) => i.name)).toEqual(['new-rows']);
    expect(pooling.body.items[0]).not.toHaveProperty('driver');
    const text = await request(t.server).get('/api/v1/store/triggers?q=listen&connector=demo-queue').set(auth(member)).expect(200);
    expect(text.body.items).toHaveLength(1);
    const paged = await request(t.server).get('/api/v1/store/triggers?limit=1').set(auth(member)).expect(200);
    const next = await request(t.server).get(`/api/v1/store/triggers?limit=1&cursor=${paged.body.nextCursor}`).set(auth(member)).expect(200);
    expect(next.body.items[0].name).toBe('new-rows');
  });

  it('installs the latest non-deprecated version, upgrades, and keeps workspaces apart', async () => {
    const installed = await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'demo-queue' }).expect(201);
    expect(installed.body).toMatchObject({ connector: 'demo-queue', version: '1.1.0', yanked: false });
    await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'demo-queue' }).expect(409);
    await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'missing' }).expect(404);

    const pinned = await request(t.server).patch('/api/v1/installs/demo-queue').set(auth(member)).send({ version: '1.2.0' }).expect(200);
    expect(pinned.body).toMatchObject({ version: '1.2.0', deprecated: true });
    await request(t.server).patch('/api/v1/installs/demo-queue').set(auth(member)).send({ version: '1.0.0' }).expect(200);

    const tab = await request(t.server).get('/api/v1/store/connectors').set(auth(member)).expect(200);
    expect(tab.body.items[0].installedVersion).toBe('1.0.0');
    const otherTab = await request(t.server).get('/api/v1/store/connectors').set(auth(otherOwner)).expect(200);
    expect(otherTab.body.items[0].installedVersion).toBeNull();
    const otherInstalls = await request(t.server).get('/api/v1/installs').set(auth(otherOwner)).expect(200);
    expect(otherInstalls.body).toEqual({ items: [], nextCursor: null });
    await request(t.server).delete('/api/v1/installs/demo-queue').set(auth(otherOwner)).expect(404);
  });

  let accountId: string;

  it('creates accounts validated against the account schema, secrets masked', async () => {
    const invalid = await request(t.server)
      .post('/api/v1/accounts')
      .set(auth(member))
      .send({ connector: 'demo-queue', name: 'Broken', values: { host: 'broker.example.com', port: 0, color: 'red' } })
      .expect(422);
    expect(invalid.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'values.username', message: 'is required' },
        { path: 'values.password', message: 'is required' },
        { path: 'values.port', message: 'must be >= 1' },
        { path: 'values.color', message: 'is not a field of this account' },
      ]),
    );
    const unknown = await request(t.server).post('/api/v1/accounts').set(auth(member)).send({ connector: 'demo-queue', account: 'oauth', name: 'x', values: {} }).expect(422);
    expect(unknown.body.error.message).toBe('demo-queue has no account "oauth"; use one of credentials');
    const notInstalled = await request(t.server).post('/api/v1/accounts').set(auth(otherOwner)).send({ connector: 'demo-queue', name: 'x', values: {} }).expect(404);
    expect(notInstalled.body.error.message).toMatch(/not installed in this workspace; install it with POST \/api\/v1\/installs/);

    const created = await request(t.server)
      .post('/api/v1/accounts')
      .set(auth(member))
      .send({ connector: 'demo-queue', name: 'Production', values: { host: 'broker.example.com', username: 'ops', password: 'wrong' } })
      .expect(201);
    accountId = created.body.id;
    expect(created.body).toMatchObject({ connector: 'demo-queue', account: 'credentials', name: 'Production', values: { host: 'broker.example.com', username: 'ops', password: '********', port: 5672 } });

    const stored = await t.app.get(DataSource).query('SELECT values::text AS v, secrets::text AS s FROM store_accounts WHERE id = $1', [accountId]);
    expect(stored[0].v).not.toContain('wrong');
    expect(stored[0].s).not.toContain('wrong');
    expect(JSON.parse(stored[0].s)).toMatchObject({ v: 'v1' });
    await request(t.server).post('/api/v1/accounts').set(auth(member)).send({ connector: 'demo-queue', name: 'Production', values: { host: 'h', username: 'u', password: 'p' } }).expect(409);
  });

  it('tests an account in the sandbox and keeps secrets across a PATCH', async () => {
    const failed = await request(t.server).post(`/api/v1/accounts/${accountId}/test`).set(auth(member)).expect(200);
    expect(failed.body).toEqual({ ok: false, error: { message: 'Account "Broker credentials": login refused for ops' } });

    const renamed = await request(t.server).patch(`/api/v1/accounts/${accountId}`).set(auth(member)).send({ name: 'Prod', values: { username: 'admin', password: '********' } }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'Prod', values: { username: 'admin', password: '********' } });
    const stillWrong = await request(t.server).post(`/api/v1/accounts/${accountId}/test`).set(auth(member)).expect(200);
    expect(stillWrong.body).toEqual({ ok: false, error: { message: 'Account "Broker credentials": login refused for admin' } });

    await request(t.server).patch(`/api/v1/accounts/${accountId}`).set(auth(member)).send({ values: { password: 'good' } }).expect(200);
    const ok = await request(t.server).post(`/api/v1/accounts/${accountId}/test`).set(auth(member)).expect(200);
    expect(ok.body).toEqual({ ok: true });

    const read = await request(t.server).get(`/api/v1/accounts/${accountId}`).set(auth(member)).expect(200);
    expect(read.body.values.password).toBe('********');
    const list = await request(t.server).get('/api/v1/accounts?connector=demo-queue').set(auth(member)).expect(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([accountId]);
    expect(JSON.stringify(list.body)).not.toContain('good');

    const internal = await t.app.get(AccountsService).getDecryptedValues(t.workspaceId, accountId);
    expect(internal.values).toEqual({ host: 'broker.example.com', username: 'admin', password: 'good', port: 5672 });
  });

  it('a second workspace sees none of the accounts', async () => {
    expect((await request(t.server).get('/api/v1/accounts').set(auth(otherOwner)).expect(200)).body).toEqual({ items: [], nextCursor: null });
    await request(t.server).get(`/api/v1/accounts/${accountId}`).set(auth(otherOwner)).expect(404);
    await request(t.server).patch(`/api/v1/accounts/${accountId}`).set(auth(otherOwner)).send({ name: 'mine' }).expect(404);
    await request(t.server).post(`/api/v1/accounts/${accountId}/test`).set(auth(otherOwner)).expect(404);
    await request(t.server).delete(`/api/v1/accounts/${accountId}`).set(auth(otherOwner)).expect(404);
    await expect(t.app.get(AccountsService).getDecryptedValues(otherWorkspaceId, accountId)).rejects.toThrow(/does not exist in this workspace/);
  });

  it('ciphertext copied into another workspace does not decrypt there', async () => {
    const ds = t.app.get(DataSource);
    await ds.query(
      `INSERT INTO store_accounts (id, workspace_id, connector_name, account_name, name, values, secrets, secret_fields)
       SELECT gen_random_uuid(), $2, connector_name, account_name, 'copy', values, secrets, secret_fields FROM store_accounts WHERE id = $1`,
      [accountId, otherWorkspaceId],
    );
    const [{ id }] = await ds.query(`SELECT id FROM store_accounts WHERE workspace_id = $1 AND name = 'copy'`, [otherWorkspaceId]);
    await expect(t.app.get(AccountsService).getDecryptedValues(otherWorkspaceId, id)).rejects.toThrow(/failed authentication/);
  });

  it('refuses to uninstall while flows use the connector, then uninstalls', async () => {
    flowsUsing.set(`${t.workspaceId}/demo-queue`, ['Nightly orders', 'Refunds']);
    const blocked = await request(t.server).delete('/api/v1/installs/demo-queue').set(auth(member)).expect(409);
    expect(blocked.body.error).toEqual({
      code: 'INSTALL_IN_USE',
      message: 'demo-queue is still used by 2 flows; remove it from those flows first',
      details: [
        { path: 'flows[0]', message: 'Nightly orders' },
        { path: 'flows[1]', message: 'Refunds' },
      ],
    });
    flowsUsing.clear();
    await request(t.server).delete('/api/v1/installs/demo-queue').set(auth(member)).expect(204);
    expect((await request(t.server).get('/api/v1/installs').set(auth(member)).expect(200)).body.items).toEqual([]);
  });

  it('yanked versions cannot be installed but existing installs keep working and say so', async () => {
    await request(t.server).post('/api/v1/installs').set(auth(otherOwner)).send({ connector: 'demo-queue', version: '1.0.0' }).expect(201);
    await request(t.server).post('/api/v1/registry/connectors/demo-queue/versions/1.0.0/yank').set(auth(dev)).expect(200);
    const refused = await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'demo-queue', version: '1.0.0' }).expect(422);
    expect(refused.body.error.code).toBe('VERSION_YANKED');
    const existing = await request(t.server).get('/api/v1/installs').set(auth(otherOwner)).expect(200);
    expect(existing.body.items).toEqual([expect.objectContaining({ connector: 'demo-queue', version: '1.0.0', yanked: true })]);
  });

  it('re-verifies integrity on install: a bundle altered in the database is refused', async () => {
    await t.app.get(DataSource).query(`UPDATE registry_versions SET bundle = bundle || ';' WHERE connector_name = 'demo-queue' AND version = '1.1.0'`);
    const res = await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'demo-queue' }).expect(422);
    expect(res.body.error).toMatchObject({ code: 'INTEGRITY_MISMATCH', message: 'demo-queue@1.1.0 failed its integrity check: the stored bundle was altered' });
  });
});
