import { createTestApp, generateSecretKeyEntry, TestApp } from '@flowport/core';
import { buildDemoConnector, RegistryModule, registryMigrations } from '@flowport/registry';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { AccountsService, StoreModule, storeMigrations } from '../src';

// Two processes on one database: the first has key v1, the second was restarted with v2 first.
describe('account key rotation across processes', () => {
  const v1 = generateSecretKeyEntry('v1');
  const v2 = generateSecretKeyEntry('v2');
  let before: TestApp;
  let after: TestApp;
  const imports = () => [RegistryModule.forRoot(), StoreModule];
  const migrations = [...registryMigrations, ...storeMigrations];

  beforeAll(async () => {
    const built = await buildDemoConnector({ version: '1.0.0' });
    before = await createTestApp({ imports: imports(), migrations, secretKeys: v1, label: 'rotation' });
    after = await createTestApp({ imports: imports(), migrations, secretKeys: `${v2},${v1}`, database: before.db });
    const auth = { Authorization: `Bearer ${before.ownerKey}` };
    await request(before.server).post('/api/v1/registry/connectors').set(auth).send(built).expect(201);
    await request(before.server).post('/api/v1/installs').set(auth).send({ connector: 'demo-queue' }).expect(201);
  }, 60_000);
  afterAll(async () => {
    await after?.close();
    await before?.close();
  });

  it('old rows still decrypt after rotation; new writes use the newest key', async () => {
    const auth = { Authorization: `Bearer ${before.ownerKey}` };
    const created = await request(before.server)
      .post('/api/v1/accounts')
      .set(auth)
      .send({ connector: 'demo-queue', name: 'Old', values: { host: 'h', username: 'u', password: 'pw-1' } })
      .expect(201);
    const id = created.body.id as string;
    const version = async () => (await before.app.get(DataSource).query('SELECT secrets->>\'v\' AS v FROM store_accounts WHERE id = $1', [id]))[0].v;
    expect(await version()).toBe('v1');

    expect((await after.app.get(AccountsService).getDecryptedValues(before.workspaceId, id)).values.password).toBe('pw-1');

    await request(after.server).patch(`/api/v1/accounts/${id}`).set(auth).send({ values: { password: 'pw-2' } }).expect(200);
    expect(await version()).toBe('v2');
    expect((await after.app.get(AccountsService).getDecryptedValues(before.workspaceId, id)).values.password).toBe('pw-2');
    // A process that never got v2 cannot read it and says which key is missing.
    await expect(before.app.get(AccountsService).getDecryptedValues(before.workspaceId, id)).rejects.toThrow(
      'Secret was encrypted with key version "v2", which is not in FLOWPORT_SECRET_KEYS; add it back to decrypt',
    );
    const res = await request(before.server).post(`/api/v1/accounts/${id}/test`).set(auth).expect(500);
    expect(res.body.error.code).toBe('ACCOUNT_UNREADABLE');
  });
});
