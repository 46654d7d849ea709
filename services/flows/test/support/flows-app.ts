import { createTestApp, TestApp } from '@flowport/core';
import { buildDemoConnector, RegistryModule, registryMigrations } from '@flowport/registry';
import { StoreModule, storeMigrations } from '@flowport/store';
import request from 'supertest';
import { FlowsModule, flowsMigrations } from '../../src';

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

export interface FlowsWorld {
  t: TestApp;
  /** A member key of the default workspace: members may create flows. */
  member: string;
  /** Id of a demo-queue "credentials" account in the default workspace. */
  accountId: string;
  other: { ownerKey: string; accountId: string };
}

/**
 * The real platform app with the registry, store and flows modules, the registry's demo-queue
 * fixture published (built by the SDK CLI), installed in two workspaces, each with an account.
 */
export async function startFlowsWorld(label: string): Promise<FlowsWorld> {
  const [t, demo] = await Promise.all([
    createTestApp({
      imports: [RegistryModule.forRoot(), StoreModule, FlowsModule],
      migrations: [...registryMigrations, ...storeMigrations, ...flowsMigrations],
      label,
    }),
    buildDemoConnector({ version: '1.0.0' }),
  ]);
  try {
    const key = async (owner: string, role: string) => (await request(t.server).post('/api/v1/keys').set(auth(owner)).send({ name: role, role }).expect(201)).body.key as string;
    const dev = await key(t.ownerKey, 'developer');
    const member = await key(t.ownerKey, 'member');
    await request(t.server).post('/api/v1/registry/connectors').set(auth(dev)).send(demo).expect(201);

    const setUp = async (k: string) => {
      await request(t.server).post('/api/v1/installs').set(auth(k)).send({ connector: 'demo-queue', version: '1.0.0' }).expect(201);
      const account = await request(t.server)
        .post('/api/v1/accounts')
        .set(auth(k))
        .send({ connector: 'demo-queue', name: 'Broker', values: { host: 'broker.example.com', username: 'flows', password: 'good' } })
        .expect(201);
      return account.body.id as string;
    };
    const accountId = await setUp(member);
    const rival = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Rival' }).expect(201);
    const otherOwner = rival.body.key.key as string;
    const otherAccount = await setUp(otherOwner);
    return { t, member, accountId, other: { ownerKey: otherOwner, accountId: otherAccount } };
  } catch (err) {
    await t.close();
    throw err;
  }
}

/** A valid Listen Queue trigger for the demo connector. */
export function listenQueue(accountId: string, overrides: Record<string, unknown> = {}) {
  return { type: 'connector', connector: 'demo-queue', version: '1.0.0', trigger: 'listen-queue', account: accountId, props: { queue: 'orders' }, batchSize: 10, externalId: 'payload.body.orderId', ...overrides };
}

export function sendStep(name: string, accountId: string, inputs: Record<string, unknown> = { queue: 'audit', body: '{{ $string(trigger.messages[0].payload) }}' }) {
  return { name, type: 'action', connector: 'demo-queue', version: '1.0.0', action: 'send-message', account: accountId, inputs };
}
