import request from 'supertest';
import { DataSource } from 'typeorm';
import { FlowActivatedEvent, FlowActivationEvents, FlowDeactivatedEvent, FlowsService } from '../src';
import { auth, FlowsWorld, listenQueue, sendStep, startFlowsWorld } from './support/flows-app';

describe('flow versions and activation', () => {
  let w: FlowsWorld;
  const activated: FlowActivatedEvent[] = [];
  const deactivated: FlowDeactivatedEvent[] = [];
  const api = () => request(w.t.server);
  const as = (r: request.Test) => r.set(auth(w.member));

  beforeAll(async () => {
    w = await startFlowsWorld('flows_lifecycle');
    const events = w.t.app.get(FlowActivationEvents);
    events.on('activated', (e) => {
      activated.push(e);
    });
    events.on('deactivated', async (e) => {
      await new Promise((r) => setTimeout(r, 20));
      deactivated.push(e);
    });
  }, 120_000);
  afterAll(() => w?.t.close());
  beforeEach(() => {
    activated.length = 0;
    deactivated.length = 0;
  });

  const createOrders = async (name: string) =>
    (await as(api().post('/api/v1/flows')).send({ name, trigger: listenQueue(w.accountId), steps: [sendStep('audit', w.accountId)] }).expect(201)).body as { id: string };

  it('a draft cannot be activated (409) and does not start anything', async () => {
    const flow = await createOrders('Draft only');
    const res = await as(api().post(`/api/v1/flows/${flow.id}/activate`)).send({}).expect(409);
    expect(res.body.error).toEqual({ code: 'NOT_PUBLISHED', message: "Flow 'Draft only' has no published version: publish the draft first" });
    const missing = await as(api().post(`/api/v1/flows/${flow.id}/activate`)).send({ version: 3 }).expect(404);
    expect(missing.body.error.message).toBe(`Flow 'Draft only' has no version 3: nothing is published yet (POST /api/v1/flows/${flow.id}/publish)`);
    expect(activated).toEqual([]);
    expect(await w.t.app.get(FlowsService).getActiveVersion(flow.id)).toBeNull();
  });

  it('publish -> activate -> deactivate: the runtime hears each change and reads the running version', async () => {
    const flow = await createOrders('Orders');
    const v1 = await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(201);
    expect(v1.body).toMatchObject({ flowId: flow.id, version: 1, active: false });

    const on = await as(api().post(`/api/v1/flows/${flow.id}/activate`)).expect(200);
    expect(on.body).toMatchObject({ status: 'active', activeVersion: 1, latestVersion: 1, versions: [{ version: 1, active: true }] });
    expect(activated).toEqual([{ flowId: flow.id, workspaceId: w.t.workspaceId, name: 'Orders', version: 1, definition: v1.body.definition, previousVersion: null }]);

    const flows = w.t.app.get(FlowsService);
    expect(await flows.getActiveVersion(flow.id)).toEqual({ flowId: flow.id, workspaceId: w.t.workspaceId, name: 'Orders', version: 1, definition: v1.body.definition });
    expect((await flows.listActive()).map((a) => a.flowId)).toEqual([flow.id]);

    // Editing the draft of an active flow changes nothing that runs.
    await as(api().patch(`/api/v1/flows/${flow.id}`)).send({ trigger: listenQueue(w.accountId, { batchSize: 50 }) }).expect(200);
    expect((await flows.getActiveVersion(flow.id))?.definition.trigger).toMatchObject({ batchSize: 10 });

    const v2 = await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(201);
    expect(v2.body.version).toBe(2);
    activated.length = 0;
    await as(api().post(`/api/v1/flows/${flow.id}/activate`)).send({ version: 2 }).expect(200);
    expect(activated).toMatchObject([{ version: 2, previousVersion: 1, definition: { trigger: { batchSize: 50 } } }]);
    // Re-activating the running version is a no-op.
    await as(api().post(`/api/v1/flows/${flow.id}/activate`)).send({ version: 2 }).expect(200);
    expect(activated).toHaveLength(1);

    const deleting = await as(api().delete(`/api/v1/flows/${flow.id}`)).expect(409);
    expect(deleting.body.error).toMatchObject({ code: 'FLOW_ACTIVE', message: `Flow 'Orders' is active (version 2): deactivate it first with POST /api/v1/flows/${flow.id}/deactivate` });

    const off = await as(api().post(`/api/v1/flows/${flow.id}/deactivate`)).expect(200);
    expect(off.body).toMatchObject({ status: 'inactive', activeVersion: null, latestVersion: 2 });
    // The request waited for the (async) listener.
    expect(deactivated).toEqual([{ flowId: flow.id, workspaceId: w.t.workspaceId, name: 'Orders', version: 2 }]);
    expect(await flows.getActiveVersion(flow.id)).toBeNull();
    await as(api().post(`/api/v1/flows/${flow.id}/deactivate`)).expect(200);
    expect(deactivated).toHaveLength(1);

    // Any published version can be brought back.
    await as(api().post(`/api/v1/flows/${flow.id}/activate`)).send({ version: 1 }).expect(200);
    expect(activated.at(-1)).toMatchObject({ version: 1, previousVersion: null });
    await as(api().post(`/api/v1/flows/${flow.id}/deactivate`)).expect(200);
    await as(api().delete(`/api/v1/flows/${flow.id}`)).expect(204);
    await as(api().get(`/api/v1/flows/${flow.id}`)).expect(404);
    expect(await flows.getPublishedDefinition(flow.id, 1)).toBeNull();
  });

  it('versions are immutable: editing the draft after publishing leaves version 1 unchanged', async () => {
    const flow = await createOrders('Frozen');
    const v1 = await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(201);
    const unchanged = await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(409);
    expect(unchanged.body.error).toMatchObject({ code: 'DRAFT_UNCHANGED', message: "Flow 'Frozen': the draft is identical to version 1; edit the draft before publishing again" });

    await as(api().put(`/api/v1/flows/${flow.id}`))
      .send({ name: 'Frozen', description: 'now with a map', trigger: listenQueue(w.accountId, { externalId: 'id' }), steps: [{ name: 'shape', type: 'map', expression: 'trigger' }] })
      .expect(200);
    const again = await as(api().get(`/api/v1/flows/${flow.id}/versions/1`)).expect(200);
    expect(again.body.definition).toEqual(v1.body.definition);
    expect(again.body.definition.steps.map((s: { name: string }) => s.name)).toEqual(['audit']);

    const detail = await as(api().get(`/api/v1/flows/${flow.id}`)).expect(200);
    expect(detail.body.draft.steps).toEqual([{ name: 'shape', type: 'map', expression: 'trigger' }]);
    expect(detail.body.description).toBe('now with a map');
    expect(detail.body.versions).toEqual([{ version: 1, active: false, createdAt: v1.body.createdAt }]);

    const notThere = await as(api().get(`/api/v1/flows/${flow.id}/versions/2`)).expect(404);
    expect(notThere.body.error.message).toBe("Flow 'Frozen' has no version 2; published versions: 1");

    // Even a direct write cannot change a published version.
    await expect(w.t.app.get(DataSource).query(`UPDATE flow_versions SET definition = '{}' WHERE flow_id = $1`, [flow.id])).rejects.toThrow(/immutable/);
  });

  it('an invalid draft cannot be published, and a version that no longer fits the installs cannot be activated', async () => {
    const flow = await createOrders('Drifting');
    await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(201);
    // The account the version uses disappears.
    await as(api().delete(`/api/v1/accounts/${w.accountId}`)).expect((r) => expect([200, 204]).toContain(r.status));
    const res = await as(api().post(`/api/v1/flows/${flow.id}/activate`)).expect(409);
    expect(res.body.error.code).toBe('VERSION_NOT_RUNNABLE');
    expect(res.body.error.details).toEqual([
      { path: 'trigger.account', message: `account ${w.accountId} does not exist in this workspace` },
      { path: 'steps[0].account', message: `account ${w.accountId} does not exist in this workspace` },
    ]);
    // A rename does not re-check the draft; publishing does.
    await as(api().patch(`/api/v1/flows/${flow.id}`)).send({ name: 'Drifted' }).expect(200);
    const publish = await as(api().post(`/api/v1/flows/${flow.id}/publish`)).expect(400);
    expect(publish.body.error.message).toMatch(/^The draft of flow 'Drifted' is invalid: trigger.account: account .* does not exist in this workspace/);
    const edit = await as(api().patch(`/api/v1/flows/${flow.id}`)).send({ steps: [] }).expect(400);
    expect(edit.body.error.details).toEqual([{ path: 'trigger.account', message: `account ${w.accountId} does not exist in this workspace` }]);
    expect(activated).toEqual([]);
  });

  it('webhook tokens: shown once, stored hashed, rotated on request; only an active flow answers to one', async () => {
    const flows = w.t.app.get(FlowsService);
    const hook = await as(api().post('/api/v1/flows')).send({ name: 'Hook', trigger: { type: 'webhook' }, steps: [{ name: 'echo', type: 'map', expression: 'trigger' }] }).expect(201);
    const first = hook.body.webhookToken as string;
    const stored = await w.t.app.get(DataSource).query('SELECT webhook_token_hash FROM flows WHERE id = $1', [hook.body.id]);
    expect(stored[0].webhook_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].webhook_token_hash).not.toContain(first);

    expect(await flows.findByWebhookToken(first)).toBeNull();
    await as(api().post(`/api/v1/flows/${hook.body.id}/publish`)).expect(201);
    await as(api().post(`/api/v1/flows/${hook.body.id}/activate`)).expect(200);
    expect(await flows.findByWebhookToken(first)).toMatchObject({ flowId: hook.body.id, version: 1 });

    const rotated = await as(api().post(`/api/v1/flows/${hook.body.id}/webhook-token`)).expect(201);
    expect(rotated.body).toEqual({ flowId: hook.body.id, webhookToken: expect.stringMatching(/^fpwh_/) });
    expect(rotated.body.webhookToken).not.toBe(first);
    expect(await flows.findByWebhookToken(first)).toBeNull();
    expect(await flows.findByWebhookToken(rotated.body.webhookToken)).toMatchObject({ flowId: hook.body.id });

    // An edit keeps the existing token (it is not shown again).
    const edited = await as(api().patch(`/api/v1/flows/${hook.body.id}`)).send({ description: 'edited' }).expect(200);
    expect(edited.body.webhookToken).toBeUndefined();
    await as(api().post(`/api/v1/flows/${hook.body.id}/deactivate`)).expect(200);

    const manual = await as(api().post('/api/v1/flows')).send({ name: 'No hook', trigger: { type: 'manual' } }).expect(201);
    const refused = await as(api().post(`/api/v1/flows/${manual.body.id}/webhook-token`)).expect(409);
    expect(refused.body.error).toEqual({ code: 'NO_WEBHOOK_TRIGGER', message: "Flow 'No hook' has no webhook trigger; only webhook-triggered flows have a token" });
    // Switching a draft to a webhook trigger issues its first token in that response.
    const switched = await as(api().patch(`/api/v1/flows/${manual.body.id}`)).send({ trigger: { type: 'webhook' } }).expect(200);
    expect(switched.body.webhookToken).toMatch(/^fpwh_/);
  });
});
