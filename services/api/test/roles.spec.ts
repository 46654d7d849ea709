import { createTestApp, TestApp } from '@flowport/core';
import request from 'supertest';
import { allMigrations, modulesForRoles } from '../src';

describe('--role picks the modules a process runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ imports: modulesForRoles(['store']), migrations: allMigrations, label: 'roles' });
  });
  afterAll(() => t?.close());

  it('a store-only process serves the store but not the registry routes', async () => {
    const auth = { Authorization: `Bearer ${t.ownerKey}` };
    await request(t.server).get('/api/v1/store/connectors').set(auth).expect(200);
    await request(t.server).get('/api/v1/installs').set(auth).expect(200);
    const res = await request(t.server).get('/api/v1/registry/connectors').set(auth).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
