import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from '@flowport/core';
import { buildDemoConnector, BuiltDemoConnector } from '@flowport/registry';
import request from 'supertest';
import { allMigrations, modulesForRoles } from '../src';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', '..', 'connector-sdk', 'bin', 'flowport.js');

/** `flowport connector publish` from a folder holding the build's dist/ files. */
async function cliPublish(built: BuiltDemoConnector, registryUrl: string, token: string): Promise<{ code: number; out: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowport-publish-'));
  try {
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist', 'connector.js'), built.bundle);
    fs.writeFileSync(path.join(dir, 'dist', 'manifest.json'), `${JSON.stringify(built.manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'dist', 'integrity.txt'), built.integrity);
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'connector', 'publish', '--dir', dir, '--registry', registryUrl, '--token', token]);
      return { code: 0, out: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('issue 3 walkthrough: publish -> store -> install -> account', () => {
  let t: TestApp;
  let url: string;
  let built: BuiltDemoConnector;
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    [t, built] = await Promise.all([
      createTestApp({ imports: modulesForRoles(['registry', 'store']), migrations: allMigrations, label: 'walkthrough' }),
      buildDemoConnector({ version: '1.0.0' }),
    ]);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    url = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(() => t?.close());

  it('walks through the whole issue', async () => {
    // Workspace keys.
    const key = async (role: string) => (await request(t.server).post('/api/v1/keys').set(auth(t.ownerKey)).send({ name: `${role}-key`, role }).expect(201)).body.key as string;
    const developer = await key('developer');
    const member = await key('member');

    // Members may not publish; the developer publishes with the SDK CLI.
    const denied = await cliPublish(built, url, member);
    expect(denied.code).not.toBe(0);
    expect(denied.out).toMatch(/developer role/);
    const published = await cliPublish(built, url, developer);
    expect(published.out).toContain('Publishing demo-queue@1.0.0');
    expect(published.code).toBe(0);

    // Same version again: 409, published versions are immutable.
    const again = await request(t.server).post('/api/v1/registry/connectors').set(auth(developer)).send(built).expect(409);
    expect(again.body.error.code).toBe('VERSION_EXISTS');
    const againCli = await cliPublish(built, url, developer);
    expect(againCli.code).not.toBe(0);
    expect(againCli.out).toMatch(/already published/);

    // Broken manifest: 422, every error with its path.
    const broken = { ...built.manifest, name: 'Demo Queue', triggers: [{ ...built.manifest.triggers[0], kind: 'cron' }] };
    const invalid = await request(t.server).post('/api/v1/registry/connectors').set(auth(developer)).send({ ...built, manifest: broken }).expect(422);
    expect(invalid.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['manifest.name', 'manifest.triggers[0].kind']));

    // Search finds it; the Triggers tab lists its triggers.
    const search = await request(t.server).get('/api/v1/store/connectors?q=queue&category=Messaging').set(auth(member)).expect(200);
    expect(search.body.items).toEqual([expect.objectContaining({ name: 'demo-queue', latestVersion: '1.0.0', installedVersion: null, triggerCount: 2 })]);
    const triggers = await request(t.server).get('/api/v1/store/triggers?connector=demo-queue').set(auth(member)).expect(200);
    expect(triggers.body.items.map((tr: { name: string; kind: string }) => `${tr.name}:${tr.kind}`)).toEqual(['listen-queue:stream', 'new-rows:pooling']);

    // Install, create an account, test it, read it back with the secret masked.
    const install = await request(t.server).post('/api/v1/installs').set(auth(member)).send({ connector: 'demo-queue' }).expect(201);
    expect(install.body).toMatchObject({ connector: 'demo-queue', version: '1.0.0', yanked: false });
    const account = await request(t.server)
      .post('/api/v1/accounts')
      .set(auth(member))
      .send({ connector: 'demo-queue', name: 'Main broker', values: { host: 'broker.example.com', username: 'flow', password: 'good' } })
      .expect(201);
    const tested = await request(t.server).post(`/api/v1/accounts/${account.body.id}/test`).set(auth(member)).expect(200);
    expect(tested.body).toEqual({ ok: true });
    const read = await request(t.server).get(`/api/v1/accounts/${account.body.id}`).set(auth(member)).expect(200);
    expect(read.body).toMatchObject({ connector: 'demo-queue', account: 'credentials', name: 'Main broker', values: { host: 'broker.example.com', username: 'flow', password: '********' } });

    // A second workspace sees none of it.
    const second = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Second' }).expect(201);
    const other = second.body.key.key as string;
    expect((await request(t.server).get('/api/v1/installs').set(auth(other)).expect(200)).body.items).toEqual([]);
    expect((await request(t.server).get('/api/v1/accounts').set(auth(other)).expect(200)).body.items).toEqual([]);
    await request(t.server).get(`/api/v1/accounts/${account.body.id}`).set(auth(other)).expect(404);
    const otherStore = await request(t.server).get('/api/v1/store/connectors').set(auth(other)).expect(200);
    expect(otherStore.body.items[0].installedVersion).toBeNull();
  }, 60_000);
});
