import type { TestApp } from '@flowport/core';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { signWebhook } from '../src';
import { Api, buildOrdersConnector, createRuntimeApp } from './support/platform';

// Runs go through the real executor and brokers; the repository-wide default is 5 s.
jest.setTimeout(30_000);

describe('webhook trigger: POST /hooks/{flowId} and the run status endpoint', () => {
  let t: TestApp;
  let api: Api;
  let flowId: string;
  let token: string;

  const hook = (id: string) => request(t.server).post(`/hooks/${id}`);

  beforeAll(async () => {
    t = await createRuntimeApp({ webhookMaxBytes: 2048, webhookRateLimit: { limit: 1000, windowMs: 60_000 } });
    api = new Api(t);
    const flow = await api.createFlow({
      name: 'order webhook',
      trigger: { type: 'webhook', requiredFields: ['order.id', 'customer'] },
      steps: [
        { name: 'order', type: 'map', expression: 'trigger.input.order' },
        { name: 'greeting', type: 'code', code: 'return "hello " + input.trigger.messages[0].payload.customer;' },
      ],
    });
    flowId = flow.id;
    token = flow.webhookToken!;
    expect(token).toEqual(expect.any(String));
  }, 60_000);
  afterAll(() => t?.close());

  it('accepts a JSON call with the flow token (202 { runId }), and the status endpoint shows the steps', async () => {
    const res = await hook(flowId).set('Authorization', `Bearer ${token}`).send({ order: { id: 'A-1', total: 12 }, customer: 'Ann' }).expect(202);
    expect(res.body).toEqual({ runId: expect.any(String) });
    const run = await api.waitForRun(res.body.runId);
    expect(run.status).toBe('succeeded');

    const status = await request(t.server).get(`/hooks/${flowId}/runs/${res.body.runId}`).set('X-Flowport-Token', token).expect(200);
    expect(status.body).toMatchObject({ runId: res.body.runId, status: 'succeeded', trigger: { type: 'webhook' }, startedAt: expect.any(String), durationMs: expect.any(Number) });
    expect(status.body.steps).toEqual([
      expect.objectContaining({ order: 1, name: 'order', status: 'succeeded', startedAt: expect.any(String), durationMs: expect.any(Number), output: { id: 'A-1', total: 12 } }),
      expect.objectContaining({ order: 2, name: 'greeting', status: 'succeeded', output: 'hello Ann' }),
    ]);
    await request(t.server).get(`/hooks/${flowId}/runs/${res.body.runId}`).set('X-Flowport-Token', 'fpwh_wrong').expect(401);
  });

  it('refuses a missing or wrong token (401) without needing an API key', async () => {
    const none = await hook(flowId).send({ order: { id: 'x' }, customer: 'c' }).expect(401);
    expect(none.body.error.message).toContain('Missing webhook token');
    const wrong = await hook(flowId).set('X-Flowport-Token', 'fpwh_not-the-token').send({ order: { id: 'x' }, customer: 'c' }).expect(401);
    expect(wrong.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'Webhook token is not valid for this flow' });
    // A workspace API key is not a flow token.
    await hook(flowId).set('Authorization', `Bearer ${t.ownerKey}`).send({ order: { id: 'x' }, customer: 'c' }).expect(401);
  });

  it('names every missing required field (422)', async () => {
    const res = await hook(flowId).set('X-Flowport-Token', token).send({ order: { total: 1 } }).expect(422);
    expect(res.body.error).toEqual({
      code: 'MISSING_FIELDS',
      message: 'Webhook body is missing required fields order.id, customer',
      details: [
        { path: 'order.id', message: 'is required' },
        { path: 'customer', message: 'is required' },
      ],
    });
  });

  it('parses XML and form-encoded bodies', async () => {
    const flow = await api.createFlow({
      name: 'any body',
      trigger: { type: 'webhook' },
      steps: [{ name: 'body', type: 'map', expression: 'trigger.input' }],
    });
    const xml = await hook(flow.id)
      .set('X-Flowport-Token', flow.webhookToken!)
      .set('Content-Type', 'application/xml')
      .send('<?xml version="1.0"?><order id="X-9"><total>3</total><customer>Xena</customer></order>')
      .expect(202);
    expect((await api.waitForRun(xml.body.runId)).steps[0].output).toEqual({ order: { '@id': 'X-9', total: 3, customer: 'Xena' } });

    const form = await hook(flow.id).set('X-Flowport-Token', flow.webhookToken!).type('form').send('order=F-1&customer=Fred&tag=a&tag=b').expect(202);
    expect((await api.waitForRun(form.body.runId)).steps[0].output).toEqual({ order: 'F-1', customer: 'Fred', tag: ['a', 'b'] });

    const broken = await hook(flow.id).set('X-Flowport-Token', flow.webhookToken!).set('Content-Type', 'text/xml').send('<order><open></order>').expect(400);
    expect(broken.body.error.code).toBe('INVALID_XML');
  });

  it('checks HMAC signatures over timestamp + body when signing is on, within 5 minutes and only once', async () => {
    const flow = await api.createFlow({ name: 'signed', trigger: { type: 'webhook', signing: { enabled: true } }, steps: [{ name: 'x', type: 'map', expression: 'trigger.input.n' }] });
    const secret = flow.webhookToken!;
    const body = JSON.stringify({ n: 7 });
    const now = Math.floor(Date.now() / 1000);
    const signed = (ts: number, signature: string) =>
      hook(flow.id).set('X-Flowport-Token', secret).set('Content-Type', 'application/json').set('X-Flowport-Timestamp', String(ts)).set('X-Flowport-Signature', signature).send(body);

    const ok = await signed(now, signWebhook(secret, now, body)).expect(202);
    expect((await api.waitForRun(ok.body.runId)).steps[0].output).toBe(7);

    const replayed = await signed(now, signWebhook(secret, now, body)).expect(401);
    expect(replayed.body.error.message).toContain('already received');
    const stale = now - 6 * 60;
    const old = await signed(stale, signWebhook(secret, stale, body)).expect(401);
    expect(old.body.error.message).toContain('outside the 5-minute window');
    const tampered = await signed(now + 1, signWebhook(secret, now + 1, JSON.stringify({ n: 8 }))).expect(401);
    expect(tampered.body.error.message).toContain('does not match the body');
    const unsigned = await hook(flow.id).set('X-Flowport-Token', secret).send({ n: 1 }).expect(401);
    expect(unsigned.body.error.message).toContain('requires signed calls');
    // Senders sign the bytes they send; pretty-printed JSON must verify against those exact bytes.
    const pretty = JSON.stringify({ n: 9 }, null, 2);
    const later = now + 2;
    const exact = await hook(flow.id).set('X-Flowport-Token', secret).set('Content-Type', 'application/json')
      .set('X-Flowport-Timestamp', String(later)).set('X-Flowport-Signature', signWebhook(secret, later, pretty)).send(pretty).expect(202);
    expect((await api.waitForRun(exact.body.runId)).steps[0].output).toBe(9);
  });

  it('answers 409 for a draft flow and for an inactive flow, saying so', async () => {
    const draft = await api.createFlow({ name: 'draft hook', trigger: { type: 'webhook' }, steps: [{ name: 'x', type: 'map', expression: '1' }] }, { publish: false });
    const res = await hook(draft.id).set('X-Flowport-Token', draft.webhookToken!).send({}).expect(409);
    expect(res.body.error).toEqual({ code: 'FLOW_NOT_ACTIVE', message: 'Flow "draft hook" is a draft: publish and activate it before it can run' });

    const stopped = await api.createFlow({ name: 'stopped hook', trigger: { type: 'webhook' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    await api.post(`/api/v1/flows/${stopped.id}/deactivate`).expect(200);
    const inactive = await hook(stopped.id).set('X-Flowport-Token', stopped.webhookToken!).send({}).expect(409);
    expect(inactive.body.error.message).toBe('Flow "stopped hook" is inactive: publish and activate it before it can run');
  });

  it('a flow the replica keeps in memory: a rotated token replaces the old one at once, deactivation stops it at once', async () => {
    const flow = await api.createFlow({ name: 'kept hook', trigger: { type: 'webhook' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    await hook(flow.id).set('X-Flowport-Token', flow.webhookToken!).send({}).expect(202);
    const rotated = await api.post(`/api/v1/flows/${flow.id}/webhook-token`).expect(201);
    await hook(flow.id).set('X-Flowport-Token', flow.webhookToken!).send({}).expect(401);
    await hook(flow.id).set('X-Flowport-Token', rotated.body.webhookToken).send({}).expect(202);
    await api.post(`/api/v1/flows/${flow.id}/deactivate`).expect(200);
    const inactive = await hook(flow.id).set('X-Flowport-Token', rotated.body.webhookToken).send({}).expect(409);
    expect(inactive.body.error.code).toBe('FLOW_NOT_ACTIVE');
  });

  it('runs a connector\'s webhook trigger: the manifest\'s signature is checked, trigger.webhook gives one run per payload', async () => {
    const built = await buildOrdersConnector('orders-queue');
    await api.post('/api/v1/registry/connectors', built).expect(201);
    await api.post('/api/v1/installs', { connector: 'orders-queue', version: '1.0.0' }).expect(201);
    const flow = await api.createFlow({
      name: 'shop callbacks',
      trigger: { type: 'connector', connector: 'orders-queue', version: '1.0.0', trigger: 'order-hook', props: { secret: 'shh' } },
      steps: [
        { name: 'order', type: 'map', expression: 'trigger.input.id' },
        { name: 'headers', type: 'map', expression: 'trigger.input.receivedHeaders' },
      ],
    });
    expect(flow.webhookToken).toEqual(expect.any(String));
    const body = JSON.stringify({ orders: [{ id: 'S-1' }, { id: 'S-2' }], echoHeaders: true });
    const sign = (text: string) => `sha256=${createHmac('sha256', 'shh').update(text).digest('hex')}`;
    const call = (signature: string) => hook(flow.id).set('X-Flowport-Token', flow.webhookToken!).set('Content-Type', 'application/json').set('X-Orders-Signature', signature).send(body);

    const bad = await call(sign('something else')).expect(401);
    expect(bad.body.error.message).toBe("The x-orders-signature header does not match the body signed with the trigger's secret");
    const ok = await call(sign(body)).expect(202);
    expect(ok.body.runIds).toHaveLength(2);
    expect(ok.body.runId).toBe(ok.body.runIds[0]);
    const runs = await Promise.all(ok.body.runIds.map((id: string) => api.waitForRun(id)));
    expect(runs.map((r) => r.steps[0].output).sort()).toEqual(['S-1', 'S-2']);
    // The connector (untrusted code) sees the caller's headers but never the flow's token.
    for (const run of runs) {
      expect(run.steps[1].output).toEqual(expect.arrayContaining(['content-type', 'x-orders-signature']));
      expect(run.steps[1].output).not.toContain('x-flowport-token');
      expect(run.steps[1].output).not.toContain('authorization');
    }
  }, 60_000);

  it('refuses a body over the limit (413)', async () => {
    const res = await hook(flowId).set('X-Flowport-Token', token).send({ order: { id: 'big' }, customer: 'x'.repeat(5000) }).expect(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.body.error.message).toContain('the limit is 2048 bytes');
  });
});

describe('webhook rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createRuntimeApp({ webhookRateLimit: { limit: 3, windowMs: 60_000 } });
  }, 60_000);
  afterAll(() => t?.close());

  it('answers 429 once a flow had its calls for the window; other flows are not affected', async () => {
    const api = new Api(t);
    const busy = await api.createFlow({ name: 'busy', trigger: { type: 'webhook' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    const quiet = await api.createFlow({ name: 'quiet', trigger: { type: 'webhook' }, steps: [{ name: 'x', type: 'map', expression: '1' }] });
    for (let i = 0; i < 3; i++) await request(t.server).post(`/hooks/${busy.id}`).set('X-Flowport-Token', busy.webhookToken!).send({ i }).expect(202);
    const limited = await request(t.server).post(`/hooks/${busy.id}`).set('X-Flowport-Token', busy.webhookToken!).send({ i: 4 }).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(limited.body.error.message).toMatch(/^Flow "busy" accepts 3 webhook calls per 60 s; retry in \d+ s$/);
    await request(t.server).post(`/hooks/${quiet.id}`).set('X-Flowport-Token', quiet.webhookToken!).send({}).expect(202);
  });
});
