import { generateKeyPairSync, sign } from 'node:crypto';
import { createTestApp, TestApp } from '@flowport/core';
import request from 'supertest';
import { buildDemoConnector, BuiltDemoConnector, RegistryModule, registryMigrations } from '../src';

describe('registry HTTP API', () => {
  let t: TestApp;
  let dev: string;
  let member: string;
  let otherDev: string;
  let v1: BuiltDemoConnector;
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
  const publish = (key: string, body: object) => request(t.server).post('/api/v1/registry/connectors').set(auth(key)).send(body);

  beforeAll(async () => {
    [t, v1] = await Promise.all([
      createTestApp({ imports: [RegistryModule.forRoot()], migrations: registryMigrations, label: 'registry', env: { FLOWPORT_MAX_BUNDLE_BYTES: '60000' } }),
      buildDemoConnector({ version: '1.0.0' }),
      // Warm the build cache in parallel; the tests below reuse these builds.
      ...['0.9.0', '1.1.0', '2.0.0', '1.0.5'].map((version) => buildDemoConnector({ version })),
      buildDemoConnector({ name: 'rival-feed', version: '0.1.0', displayName: 'Rival Feed' }),
    ]);
    const key = async (owner: string, role: string) => (await request(t.server).post('/api/v1/keys').set(auth(owner)).send({ name: role, role }).expect(201)).body.key as string;
    dev = await key(t.ownerKey, 'developer');
    member = await key(t.ownerKey, 'member');
    const other = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Rival' }).expect(201);
    otherDev = await key(other.body.key.key, 'developer');
  }, 60_000);
  afterAll(() => t?.close());

  it('publishes a version built by the SDK CLI; members may not publish', async () => {
    const denied = await publish(member, v1).expect(403);
    expect(denied.body.error.message).toBe('This needs the developer role; key "member" has role member');
    const res = await publish(dev, v1).expect(201);
    expect(res.body).toMatchObject({ name: 'demo-queue', version: '1.0.0', integrity: v1.integrity, signature: null, deprecated: false, yanked: false });
    expect(res.body.manifest).toEqual(v1.manifest);
  });

  it('refuses a republish (409) and a lower version (409)', async () => {
    const again = await publish(dev, v1).expect(409);
    expect(again.body.error.code).toBe('VERSION_EXISTS');
    const older = await buildDemoConnector({ version: '0.9.0' });
    const lower = await publish(dev, older).expect(409);
    expect(lower.body.error).toMatchObject({ code: 'VERSION_NOT_HIGHER', details: [{ path: 'manifest.version', message: 'must be greater than 1.0.0' }] });
  });

  it('reports every manifest problem with its JSON path (422)', async () => {
    const broken = JSON.parse(JSON.stringify(v1.manifest));
    broken.version = '1.0';
    broken.triggers[0].props.properties.batchSize.maximum = 5;
    const res = await publish(dev, { ...v1, manifest: broken }).expect(422);
    expect(res.body.error.code).toBe('INVALID_MANIFEST');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'manifest.version', message: 'must be a semantic version like 1.0.0 (got "1.0")' },
        expect.objectContaining({ path: 'manifest.triggers[0].props.batchSize' }),
      ]),
    );
  });

  it('rejects integrity mismatches (422), oversized bundles (413) and a name owned by another publisher (403)', async () => {
    const tampered = await publish(dev, { ...v1, bundle: v1.bundle.replace('login refused', 'login REFUSED') }).expect(422);
    expect(tampered.body.error.code).toBe('INTEGRITY_MISMATCH');
    const big = await publish(dev, { ...v1, bundle: v1.bundle + ' '.repeat(60_000) }).expect(413);
    expect(big.body.error.message).toMatch(/accepts up to 60000 bytes \(FLOWPORT_MAX_BUNDLE_BYTES\)/);
    const v2 = await buildDemoConnector({ version: '2.0.0' });
    const stolen = await publish(otherDev, v2).expect(403);
    expect(stolen.body.error.code).toBe('NAME_TAKEN');
    const unknown = await publish(dev, { ...v1, extra: 1 }).expect(400);
    expect(unknown.body.error.details).toEqual([{ path: 'extra', message: 'property extra should not exist' }]);
  });

  it('rejects a bundle whose exports differ from the posted manifest (422)', async () => {
    const v11 = await buildDemoConnector({ version: '1.1.0' });
    const res = await publish(dev, { ...v11, manifest: { ...v11.manifest, displayName: 'Something Else' } }).expect(422);
    expect(res.body.error.code).toBe('BUNDLE_MANIFEST_MISMATCH');
    expect(res.body.error.details).toEqual([{ path: 'manifest.displayName', message: 'manifest has "Something Else", the bundle exports "Demo Queue"' }]);
  });

  it('verifies ed25519 signatures over the integrity and serves them', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await request(t.server).post('/api/v1/registry/keys').set(auth(dev)).send({ keyId: 'release', publicKey: pem }).expect(201);
    await request(t.server).post('/api/v1/registry/keys').set(auth(dev)).send({ keyId: 'release', publicKey: pem }).expect(409);
    const badKey = await request(t.server).post('/api/v1/registry/keys').set(auth(dev)).send({ keyId: 'bad', publicKey: 'AAAA' }).expect(422);
    expect(badKey.body.error.details[0].path).toBe('publicKey');

    const v11 = await buildDemoConnector({ version: '1.1.0' });
    const signature = sign(null, Buffer.from(v11.integrity), privateKey).toString('base64');
    const forged = sign(null, Buffer.from(v1.integrity), privateKey).toString('base64');
    const bad = await publish(dev, { ...v11, signature: forged, keyId: 'release' }).expect(422);
    expect(bad.body.error.code).toBe('SIGNATURE_INVALID');
    const unknownKey = await publish(dev, { ...v11, signature, keyId: 'nope' }).expect(422);
    expect(unknownKey.body.error.message).toMatch(/register it with POST \/api\/v1\/registry\/keys/);
    await publish(dev, { ...v11, signature, keyId: 'release' }).expect(201);

    const version = await request(t.server).get('/api/v1/registry/connectors/demo-queue/versions/1.1.0').set(auth(member)).expect(200);
    expect(version.body).toMatchObject({ name: 'demo-queue', version: '1.1.0', integrity: v11.integrity, signature, keyId: 'release', publicKey: pem, deprecated: false, yanked: false });
  });

  it('lists, searches and pages connectors', async () => {
    await publish(otherDev, await buildDemoConnector({ name: 'rival-feed', version: '0.1.0', displayName: 'Rival Feed' })).expect(201);
    const all = await request(t.server).get('/api/v1/registry/connectors').set(auth(member)).expect(200);
    expect(all.body.items.map((c: { name: string }) => c.name)).toEqual(['demo-queue', 'rival-feed']);
    expect(all.body.items[0]).toMatchObject({ latestVersion: '1.1.0', actionCount: 1, triggerCount: 2, categories: ['Messaging'], triggerKinds: ['stream', 'pooling'] });

    const byText = await request(t.server).get('/api/v1/registry/connectors?q=rival').set(auth(member)).expect(200);
    expect(byText.body.items.map((c: { name: string }) => c.name)).toEqual(['rival-feed']);
    const byPublisher = await request(t.server).get('/api/v1/registry/connectors?publisher=Rival').set(auth(member)).expect(200);
    expect(byPublisher.body.items.map((c: { name: string }) => c.name)).toEqual(['rival-feed']);
    const byCategory = await request(t.server).get('/api/v1/registry/connectors?category=Finance').set(auth(member)).expect(200);
    expect(byCategory.body.items).toEqual([]);
    const byKind = await request(t.server).get('/api/v1/registry/connectors?triggerKind=stream&category=Messaging').set(auth(member)).expect(200);
    expect(byKind.body.items).toHaveLength(2);
    const badKind = await request(t.server).get('/api/v1/registry/connectors?triggerKind=cron').set(auth(member)).expect(400);
    expect(badKind.body.error.details).toEqual([{ path: 'triggerKind', message: 'triggerKind must be one of stream, pooling, webhook' }]);

    const page1 = await request(t.server).get('/api/v1/registry/connectors?limit=1').set(auth(member)).expect(200);
    const page2 = await request(t.server).get(`/api/v1/registry/connectors?limit=1&cursor=${page1.body.nextCursor}`).set(auth(member)).expect(200);
    expect([page1.body.items[0].name, page2.body.items[0].name]).toEqual(['demo-queue', 'rival-feed']);
    expect(page2.body.nextCursor).toBeNull();

    const one = await request(t.server).get('/api/v1/registry/connectors/demo-queue').set(auth(member)).expect(200);
    expect(one.body.versions.map((v: { version: string; signed: boolean }) => [v.version, v.signed])).toEqual([['1.1.0', true], ['1.0.0', false]]);
    await request(t.server).get('/api/v1/registry/connectors/nope').set(auth(member)).expect(404);
  });

  it('serves bundles with the integrity as ETag and answers 304', async () => {
    const res = await request(t.server).get('/api/v1/registry/connectors/demo-queue/versions/1.0.0/bundle').set(auth(member)).expect(200);
    expect(res.headers.etag).toBe(`"${v1.integrity}"`);
    expect(res.text).toBe(v1.bundle);
    await request(t.server).get('/api/v1/registry/connectors/demo-queue/versions/1.0.0/bundle').set(auth(member)).set('If-None-Match', `"${v1.integrity}"`).expect(304);
    await request(t.server).get('/api/v1/registry/connectors/demo-queue/versions/9.9.9/bundle').set(auth(member)).expect(404);
  });

  it('deprecates and yanks; only the publisher may', async () => {
    await request(t.server).post('/api/v1/registry/connectors/demo-queue/versions/1.1.0/deprecate').set(auth(otherDev)).expect(403);
    const dep = await request(t.server).post('/api/v1/registry/connectors/demo-queue/versions/1.1.0/deprecate').set(auth(dev)).expect(200);
    expect(dep.body.deprecated).toBe(true);
    const afterDeprecate = await request(t.server).get('/api/v1/registry/connectors/demo-queue').set(auth(member)).expect(200);
    expect(afterDeprecate.body.latestVersion).toBe('1.0.0');
    const yank = await request(t.server).post('/api/v1/registry/connectors/demo-queue/versions/1.0.0/yank').set(auth(dev)).expect(200);
    expect(yank.body.yanked).toBe(true);
    const afterYank = await request(t.server).get('/api/v1/registry/connectors/demo-queue').set(auth(member)).expect(200);
    expect(afterYank.body.latestVersion).toBeNull();
    // Still above every version published so far, even the deprecated one.
    await publish(dev, await buildDemoConnector({ version: '1.0.5' })).expect(409);
  });
});
