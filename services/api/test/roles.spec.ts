import { createTestApp, TestApp } from '@flowport/core';
import request from 'supertest';
import { allMigrations, modulesForRoles, roleForPath } from '../src';

describe('--role picks the modules a process runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ imports: modulesForRoles(['store']), migrations: allMigrations, label: 'roles' });
  });
  afterAll(() => t?.close());

  it('a store-only process serves the store but not the registry, flows or runtime routes', async () => {
    const auth = { Authorization: `Bearer ${t.ownerKey}` };
    await request(t.server).get('/api/v1/store/connectors').set(auth).expect(200);
    await request(t.server).get('/api/v1/installs').set(auth).expect(200);
    for (const url of ['/api/v1/registry/connectors', '/api/v1/studio/template?name=x', '/api/v1/flows', '/api/v1/runs']) {
      const res = await request(t.server).get(url).set(auth);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 404, code: 'NOT_FOUND' });
    }
  });
});

describe('a registry process also serves the Connector Studio API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ imports: modulesForRoles(['registry']), migrations: allMigrations, label: 'roles-registry' });
  });
  afterAll(() => t?.close());

  it('answers GET /api/v1/studio/template', async () => {
    const res = await request(t.server).get('/api/v1/studio/template?name=my-connector').set({ Authorization: `Bearer ${t.ownerKey}` }).expect(200);
    expect(Object.keys(res.body.files)).toContain('src/index.ts');
  });
});

describe('the api gateway sends each route to the role that owns it', () => {
  it.each([
    ['/api/v1/registry/connectors/x/versions/1.0.0', 'registry'],
    ['/api/v1/studio/build', 'registry'],
    ['/api/v1/store/triggers', 'store'],
    ['/api/v1/installs/x', 'store'],
    ['/api/v1/accounts', 'store'],
    ['/api/v1/flows', 'flows'],
    ['/api/v1/flows/abc/publish', 'flows'],
    ['/api/v1/flows/abc/runs', 'runtime'],
    ['/api/v1/flows/abc/test', 'runtime'],
    ['/api/v1/runs/r1/replay', 'runtime'],
    ['/api/v1/events/order.created', 'runtime'],
    ['/hooks/f1', 'runtime'],
    ['/api/v1/me', null],
    ['/health', null],
    ['/api/v1/flowsx', null],
  ])('%s -> %s', (path, role) => {
    expect(roleForPath(path)).toBe(role);
  });
});
