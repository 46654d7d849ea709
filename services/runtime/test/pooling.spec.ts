import type { TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import { RUNTIME_OPTIONS, TriggerManager, type RuntimeOptions } from '../src';
import { Api, buildOrdersConnector, createReplica, createRuntimeApp, waitUntil } from './support/platform';

// Runs go through the real executor and brokers; the repository-wide default is 5 s.
jest.setTimeout(30_000);

describe('pooling trigger: leased polling across two replicas, de-duplication, first activation', () => {
  let t: TestApp;
  let replica: NestExpressApplication | undefined;
  let api: Api;
  let db: Client;

  const lease = async (flowId: string) =>
    (await db.query<{ holder: string; live: boolean }>('SELECT holder, expires_at > now() AS live FROM trigger_leases WHERE flow_id = $1', [flowId])).rows[0];
  const replicaId = (app: NestExpressApplication) => app.get<RuntimeOptions>(RUNTIME_OPTIONS).replicaId;

  beforeAll(async () => {
    const [app, built] = await Promise.all([createRuntimeApp({ reconcileIntervalMs: 300 }), buildOrdersConnector('orders-queue')]);
    t = app;
    api = new Api(t);
    await api.post('/api/v1/registry/connectors', built).expect(201);
    await api.post('/api/v1/installs', { connector: 'orders-queue', version: '1.0.0' }).expect(201);
    replica = await createReplica(t);
    db = new Client({ connectionString: t.db.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await replica?.close();
    await t?.close();
  });

  it('is polled by exactly one replica, takes an expired lease over within two intervals, and hands over when its holder stops', async () => {
    const flow = await api.createFlow(
      {
        name: 'polled orders',
        trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'new-orders', props: { perPoll: 2 }, intervalSeconds: 1, batchSize: 10 },
        steps: [{ name: 'ids', type: 'map', expression: '[trigger.messages.externalId]' }],
      },
      { activate: false },
    );
    // A replica that died while holding the lease: nobody may poll until it expires.
    await db.query(`INSERT INTO trigger_leases (flow_id, holder, expires_at) VALUES ($1, 'dead-replica', now() + interval '1200 milliseconds')`, [flow.id]);
    const activatedAt = Date.now();
    await api.post(`/api/v1/flows/${flow.id}/activate`).expect(200);
    await waitUntil('a live replica to take the lease', async () => {
      const l = await lease(flow.id);
      return l && l.holder !== 'dead-replica';
    }, 5000, 50);
    const tookOverMs = Date.now() - activatedAt;
    expect(tookOverMs).toBeGreaterThanOrEqual(1000);
    expect(tookOverMs).toBeLessThan(2000 + 500);

    // The first poll's items existed before activation: seen, no runs. Later polls start runs.
    const runs = await waitUntil('three runs', async () => {
      const items = (await api.get(`/api/v1/runs?flowId=${flow.id}&status=succeeded&limit=100`).expect(200)).body.items as Array<{ id: string }>;
      return items.length >= 3 ? items : undefined;
    }, 15_000);
    const first = await lease(flow.id);
    const holderApp = [t.app, replica!].find((app) => replicaId(app) === first.holder)!;
    const otherApp = holderApp === t.app ? replica! : t.app;
    expect(holderApp).toBeDefined();
    expect(holderApp.get(TriggerManager).pooling(flow.id)!.polls).toBeGreaterThanOrEqual(4);
    expect(otherApp.get(TriggerManager).pooling(flow.id)!.polls).toBe(0);

    const resync = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
    expect(resync.body.messages.skipped.slice(0, 2).map((m: { externalId: string; reason: string }) => [m.externalId, m.reason])).toEqual([
      ['order-1', 'existing at activation'],
      ['order-2', 'existing at activation'],
    ]);
    expect(resync.body.messages.skipped.filter((m: { reason: string }) => m.reason === 'duplicate')).toEqual([]);
    const run = await api.get(`/api/v1/runs/${runs[runs.length - 1].id}`).expect(200);
    expect(run.body.steps[0].output).toEqual(['order-3', 'order-4']);
    expect(run.body.trigger).toMatchObject({ type: 'pooling', connector: 'orders-queue', trigger: 'new-orders' });

    // The holder stops (a deploy): the other replica continues the same sequence from trigger_state.
    const stoppedAt = Date.now();
    if (holderApp === replica) {
      await replica.close();
      replica = undefined;
    } else {
      await holderApp.get(TriggerManager).onModuleDestroy();
    }
    await waitUntil('the other replica to hold the lease', async () => (await lease(flow.id))?.holder === replicaId(otherApp), 5000, 50);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    const before = otherApp.get(TriggerManager).pooling(flow.id)!.polls;
    await waitUntil('the new holder to poll twice', async () => otherApp.get(TriggerManager).pooling(flow.id)!.polls >= before + 2, 5000, 50);
    const all = await api.get(`/api/v1/flows/${flow.id}/resync`).expect(200);
    const ids = [...all.body.messages.succeeded, ...all.body.messages.unprocessed].map((m: { externalId: string }) => Number(m.externalId.slice('order-'.length)));
    // One sequence, no gaps and no duplicates: the cursor lives in trigger_state, not in a replica.
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: ids.length }, (_, i) => i + 3));
    expect(all.body.counts.skipped).toBe(2);
  }, 40_000);

  it('includes the items present at activation when the flow sets includeExisting', async () => {
    const flow = await api.createFlow({
      name: 'polled with existing',
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'new-orders', props: { perPoll: 1 }, intervalSeconds: 1, batchSize: 10, includeExisting: true },
      steps: [{ name: 'ids', type: 'map', expression: '[trigger.messages.externalId]' }],
    });
    const run = await waitUntil('the first run', async () => {
      const items = (await api.get(`/api/v1/runs?flowId=${flow.id}&status=succeeded&limit=100`).expect(200)).body.items as Array<{ id: string }>;
      return items.length >= 1 ? items[items.length - 1] : undefined;
    });
    expect((await api.get(`/api/v1/runs/${run.id}`).expect(200)).body.steps[0].output).toEqual(['order-1']);
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
  }, 20_000);
});
