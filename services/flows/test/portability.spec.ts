import request from 'supertest';
import { auth, FlowsWorld, listenQueue, sendStep, startFlowsWorld } from './support/flows-app';

describe('flows: export/import, uninstall, workspaces, lists', () => {
  let w: FlowsWorld;
  const api = () => request(w.t.server);
  const as = (r: request.Test, key = w.member) => r.set(auth(key));

  beforeAll(async () => {
    w = await startFlowsWorld('flows_portability');
  }, 120_000);
  afterAll(() => w?.t.close());

  it('exports without account ids or secrets and imports back with accounts and secrets filled in', async () => {
    const original = await as(api().post('/api/v1/flows'))
      .send({
        name: 'Portable',
        description: 'Goes places',
        trigger: listenQueue(w.accountId),
        steps: [
          sendStep('audit', w.accountId),
          { name: 'notify', type: 'http', request: { method: 'POST', url: 'https://hooks.example.com/x', headers: { Authorization: 'Bearer s3cr3t-value', 'X-Trace': '{{ steps.audit.queue }}' } } },
          sendStep('again', w.accountId, { queue: 'second', body: 'b' }),
        ],
      })
      .expect(201);
    const exported = await as(api().get(`/api/v1/flows/${original.body.id}/export`)).expect(200);
    const text = JSON.stringify(exported.body);
    expect(text).not.toContain(w.accountId);
    expect(text).not.toContain('s3cr3t-value');
    expect(exported.body).toMatchObject({
      format: 'flowport.flow/v1',
      name: 'Portable',
      description: 'Goes places',
      sourceVersion: null,
      connectors: [{ connector: 'demo-queue', version: '1.0.0' }],
      accounts: [{ placeholder: 'account_1', connector: 'demo-queue', account: 'credentials', usedBy: ['trigger', 'steps[0]', 'steps[2]'] }],
      secrets: [{ path: 'steps[1].request.headers.Authorization', description: 'Authorization header' }],
    });
    expect(exported.body.definition.trigger.account).toBe('account_1');
    expect(exported.body.definition.steps[1].request.headers).toEqual({ 'X-Trace': '{{ steps.audit.queue }}' });

    // The export goes to the other workspace, which has its own install and account.
    const incomplete = await as(api().post('/api/v1/flows/import'), w.other.ownerKey).send({ flow: exported.body }).expect(400);
    expect(incomplete.body.error.details).toEqual([
      { path: 'accounts.account_1', message: 'is required: the id of a demo-queue "credentials" account in this workspace (used by trigger, steps[0], steps[2])' },
      { path: 'secrets["steps[1].request.headers.Authorization"]', message: 'is required: this secret was removed from the export' },
    ]);
    // Another workspace's account id is no good.
    const foreign = await as(api().post('/api/v1/flows/import'), w.other.ownerKey)
      .send({ flow: exported.body, accounts: { account_1: w.accountId }, secrets: { 'steps[1].request.headers.Authorization': 'Bearer other' } })
      .expect(400);
    expect(foreign.body.error.details[0]).toEqual({ path: 'trigger.account', message: `account ${w.accountId} does not exist in this workspace` });

    const imported = await as(api().post('/api/v1/flows/import'), w.other.ownerKey)
      .send({ flow: exported.body, accounts: { account_1: w.other.accountId }, secrets: { 'steps[1].request.headers.Authorization': 'Bearer other' } })
      .expect(201);
    expect(imported.body).toMatchObject({ name: 'Portable', description: 'Goes places', status: 'draft', latestVersion: null });
    const expected = structuredClone(original.body.draft);
    expected.trigger.account = w.other.accountId;
    expected.steps[0].account = w.other.accountId;
    expected.steps[2].account = w.other.accountId;
    expected.steps[1].request.headers.Authorization = 'Bearer other';
    expect(imported.body.draft).toEqual(expected);

    // Same workspace: a name clash is a 409 unless a new name is given.
    await as(api().post('/api/v1/flows/import')).send({ flow: exported.body, accounts: { account_1: w.accountId }, secrets: { 'steps[1].request.headers.Authorization': 'x' } }).expect(409);
    const copy = await as(api().post('/api/v1/flows/import'))
      .send({ flow: exported.body, name: 'Portable copy', accounts: { account_1: w.accountId }, secrets: { 'steps[1].request.headers.Authorization': 'Bearer s3cr3t-value' } })
      .expect(201);
    expect(copy.body.draft).toEqual(original.body.draft);

    const garbage = await as(api().post('/api/v1/flows/import')).send({ flow: { hello: 1 } }).expect(400);
    expect(garbage.body.error.details).toEqual([{ path: 'flow.format', message: 'must be "flowport.flow/v1": pass the JSON from GET /api/v1/flows/{id}/export unchanged' }]);
  });

  it('exports a published version on request', async () => {
    const flow = await as(api().post('/api/v1/flows')).send({ name: 'Versioned export', trigger: { type: 'event', event: 'a' } }).expect(201);
    await as(api().post(`/api/v1/flows/${flow.body.id}/publish`)).expect(201);
    await as(api().patch(`/api/v1/flows/${flow.body.id}`)).send({ trigger: { type: 'event', event: 'b' } }).expect(200);
    const v1 = await as(api().get(`/api/v1/flows/${flow.body.id}/export?version=1`)).expect(200);
    expect(v1.body).toMatchObject({ sourceVersion: 1, definition: { trigger: { type: 'event', event: 'a' } }, accounts: [], secrets: [] });
    const draft = await as(api().get(`/api/v1/flows/${flow.body.id}/export`)).expect(200);
    expect(draft.body.definition.trigger.event).toBe('b');
  });

  it('an uninstall is refused (409) while a flow uses the connector, naming the flows', async () => {
    const res = await as(api().delete('/api/v1/installs/demo-queue')).expect(409);
    expect(res.body.error.code).toBe('INSTALL_IN_USE');
    expect(res.body.error.details).toEqual([
      { path: 'flows[0]', message: 'Portable' },
      { path: 'flows[1]', message: 'Portable copy' },
    ]);
    expect(res.body.error.message).toBe('demo-queue is still used by 2 flows; remove it from those flows first');

    // The other workspace's flow blocks only its own uninstall.
    const other = await as(api().delete('/api/v1/installs/demo-queue'), w.other.ownerKey).expect(409);
    expect(other.body.error.details).toEqual([{ path: 'flows[0]', message: 'Portable' }]);
  });

  it('a running version keeps blocking the uninstall after the draft stops using the connector', async () => {
    const flows = (await as(api().get('/api/v1/flows?q=portable'), w.other.ownerKey).expect(200)).body.items as Array<{ id: string }>;
    const id = flows[0].id;
    await as(api().post(`/api/v1/flows/${id}/publish`), w.other.ownerKey).expect(201);
    await as(api().post(`/api/v1/flows/${id}/activate`), w.other.ownerKey).expect(200);
    await as(api().put(`/api/v1/flows/${id}`), w.other.ownerKey).send({ name: 'Portable', trigger: { type: 'manual' }, steps: [] }).expect(200);
    const blocked = await as(api().delete('/api/v1/installs/demo-queue'), w.other.ownerKey).expect(409);
    expect(blocked.body.error.details).toEqual([{ path: 'flows[0]', message: 'Portable' }]);
    await as(api().post(`/api/v1/flows/${id}/deactivate`), w.other.ownerKey).expect(200);
    await as(api().delete('/api/v1/installs/demo-queue'), w.other.ownerKey).expect(204);
  });

  it('a workspace never sees or touches another workspace\'s flows', async () => {
    const mine = (await as(api().get('/api/v1/flows')).expect(200)).body.items as Array<{ id: string; name: string }>;
    const theirs = (await as(api().get('/api/v1/flows'), w.other.ownerKey).expect(200)).body.items as Array<{ id: string; name: string }>;
    expect(theirs.map((f) => f.name)).toEqual(['Portable']);
    const mineIds = new Set(mine.map((f) => f.id));
    expect(theirs.some((f) => mineIds.has(f.id))).toBe(false);

    const target = mine.find((f) => f.name === 'Portable')!;
    const o = w.other.ownerKey;
    for (const call of [
      api().get(`/api/v1/flows/${target.id}`),
      api().get(`/api/v1/flows/${target.id}/versions/1`),
      api().get(`/api/v1/flows/${target.id}/export`),
      api().patch(`/api/v1/flows/${target.id}`).send({ name: 'Hijacked' }),
      api().put(`/api/v1/flows/${target.id}`).send({ name: 'Hijacked', trigger: { type: 'manual' } }),
      api().post(`/api/v1/flows/${target.id}/publish`),
      api().post(`/api/v1/flows/${target.id}/activate`).send({}),
      api().post(`/api/v1/flows/${target.id}/deactivate`),
      api().post(`/api/v1/flows/${target.id}/webhook-token`),
      api().delete(`/api/v1/flows/${target.id}`),
    ]) {
      const res = await as(call, o).expect(404);
      expect(res.body.error).toEqual({ code: 'FLOW_NOT_FOUND', message: `Flow ${target.id} does not exist in this workspace` });
    }
    const still = await as(api().get(`/api/v1/flows/${target.id}`)).expect(200);
    expect(still.body).toMatchObject({ name: 'Portable', status: 'draft', latestVersion: null });
  });

  it('lists flows by name with status and text filters and pages', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['Zeta sync', 'Alpha report', 'Beta report']) {
      ids[name] = (await as(api().post('/api/v1/flows')).send({ name, description: `the ${name}`, trigger: { type: 'schedule', cron: '*/5 * * * *' } }).expect(201)).body.id;
    }
    await as(api().post(`/api/v1/flows/${ids['Beta report']}/publish`)).expect(201);
    await as(api().post(`/api/v1/flows/${ids['Beta report']}/activate`)).expect(200);

    const all = await as(api().get('/api/v1/flows')).expect(200);
    expect(all.body.items.map((f: { name: string }) => f.name)).toEqual(['Alpha report', 'Beta report', 'Portable', 'Portable copy', 'Versioned export', 'Zeta sync']);
    const beta = all.body.items[1];
    expect(Object.keys(beta).sort()).toEqual(['activeVersion', 'description', 'id', 'latestVersion', 'name', 'status', 'trigger', 'updatedAt']);
    expect(beta).toMatchObject({ status: 'active', activeVersion: 1, latestVersion: 1, trigger: { type: 'schedule', label: 'cron "*/5 * * * *"' } });

    const active = await as(api().get('/api/v1/flows?status=active')).expect(200);
    expect(active.body.items.map((f: { name: string }) => f.name)).toEqual(['Beta report']);
    const text = await as(api().get('/api/v1/flows?q=REPORT')).expect(200);
    expect(text.body.items.map((f: { name: string }) => f.name)).toEqual(['Alpha report', 'Beta report']);
    const wildcard = await as(api().get('/api/v1/flows?q=%25')).expect(200);
    expect(wildcard.body.items).toEqual([]);

    const page1 = await as(api().get('/api/v1/flows?limit=4')).expect(200);
    expect(page1.body.items).toHaveLength(4);
    const page2 = await as(api().get(`/api/v1/flows?limit=4&cursor=${page1.body.nextCursor}`)).expect(200);
    expect(page2.body.items.map((f: { name: string }) => f.name)).toEqual(['Versioned export', 'Zeta sync']);
    expect(page2.body.nextCursor).toBeNull();

    const badStatus = await as(api().get('/api/v1/flows?status=running')).expect(400);
    expect(badStatus.body.error.details).toEqual([{ path: 'status', message: 'status must be one of draft, active, inactive' }]);
    await as(api().post(`/api/v1/flows/${ids['Beta report']}/deactivate`)).expect(200);
  });

  it('documents the flows API in OpenAPI', async () => {
    const doc = await api().get('/api/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/v1/flows',
      '/api/v1/flows/import',
      '/api/v1/flows/{id}',
      '/api/v1/flows/{id}/versions/{version}',
      '/api/v1/flows/{id}/publish',
      '/api/v1/flows/{id}/activate',
      '/api/v1/flows/{id}/deactivate',
      '/api/v1/flows/{id}/webhook-token',
      '/api/v1/flows/{id}/export',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.body.paths['/api/v1/flows'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/FlowPageDto');
    expect(doc.body.components.schemas.FlowDetailDto.properties).toHaveProperty('webhookToken');
  });
});
