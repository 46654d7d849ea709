// Issue 5: an account's URL field marked as a host grant (the SQS account's Endpoint) lets the
// account Test reach that host, on top of the manifest's allowedHosts (*.amazonaws.com); the
// platform's private-network setting (the sandbox's SSRF guard) still decides about private
// addresses. The real connectors/amazon-sqs package built with the CLI, against fauxqs.
import { join } from 'node:path';
import { createTestApp, type TestApp } from '@flowport/core';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { buildConnectorPackage, startFauxqs, type BuiltConnector, type FauxqsServer } from '@flowport/testing';
import request from 'supertest';
import { StoreModule, storeMigrations } from '../src';

jest.setTimeout(60_000);

const SQS_PACKAGE = join(__dirname, '..', '..', '..', 'connectors', 'amazon-sqs');

/** The store on its own (no runtime in the process): the account Test grants hosts without a CONNECTOR_CAPABILITIES provider. */
async function storeWithSqs(built: BuiltConnector, env: Record<string, string>): Promise<{ t: TestApp; createAccount: (values: object) => Promise<string> }> {
  const t = await createTestApp({ imports: [RegistryModule.forRoot(), StoreModule], migrations: [...registryMigrations, ...storeMigrations], label: 'store_grants', env });
  const auth = { Authorization: `Bearer ${t.ownerKey}` };
  await request(t.server).post('/api/v1/registry/connectors').set(auth).send({ manifest: built.manifest, bundle: built.code, integrity: built.integrity }).expect(201);
  await request(t.server).post('/api/v1/installs').set(auth).send({ connector: 'amazon-sqs', version: built.manifest.version }).expect(201);
  let n = 0;
  const createAccount = async (values: object) =>
    (await request(t.server).post('/api/v1/accounts').set(auth).send({ connector: 'amazon-sqs', name: `sqs ${++n}`, values }).expect(201)).body.id as string;
  return { t, createAccount };
}

describe('account Test of an SQS account with a custom Endpoint (host grant)', () => {
  let fauxqs: FauxqsServer;
  let built: BuiltConnector;
  const apps: TestApp[] = [];
  const testAccount = (t: TestApp, id: string) => request(t.server).post(`/api/v1/accounts/${id}/test`).set({ Authorization: `Bearer ${t.ownerKey}` }).expect(200);

  beforeAll(async () => {
    [fauxqs, built] = await Promise.all([startFauxqs(), buildConnectorPackage(SQS_PACKAGE)]);
  }, 120_000);
  afterAll(async () => {
    for (const t of apps) await t.close();
    await fauxqs?.stop();
  });

  it('passes against fauxqs: the endpoint\'s host is granted although the manifest allows only *.amazonaws.com', async () => {
    expect(built.manifest.allowedHosts).toEqual(['*.amazonaws.com']);
    const { t, createAccount } = await storeWithSqs(built, { FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true' });
    apps.push(t);
    const id = await createAccount({ accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint: fauxqs.endpoint });
    expect((await testAccount(t, id)).body).toEqual({ ok: true });

    // The grant is the endpoint's host only: a closed port on it fails with the SQS call's own error, not a refusal.
    const closed = await createAccount({ accessKeyId: 'test', secretAccessKey: 'test', endpoint: 'http://127.0.0.1:9/' });
    const failed = (await testAccount(t, closed)).body;
    expect(failed.ok).toBe(false);
    expect(failed.error.message).not.toContain('refused: the host is not in');
    expect(failed.error.message).toMatch(/127\.0\.0\.1/);
  });

  it('still applies the SSRF guard: with private networks not allowed, the loopback endpoint is refused with the reason', async () => {
    const { t, createAccount } = await storeWithSqs(built, {});
    apps.push(t);
    const id = await createAccount({ accessKeyId: 'test', secretAccessKey: 'test', endpoint: fauxqs.endpoint });
    const result = (await testAccount(t, id)).body;
    expect(result.ok).toBe(false);
    expect(result.error.message).toContain('http.fetch to 127.0.0.1 refused:');
    expect(result.error.message).toContain('private networks are reachable only when the call is granted allowPrivateNetwork');
  });
});
