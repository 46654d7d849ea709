import { createTestDatabase, PinoNestLogger, type TestDatabase } from '@flowport/core';
import request from 'supertest';
import { startPlatform, type StartedPlatform } from '../src';
import { platformEnv, waitUntil } from './support/env';

jest.setTimeout(60_000);

// The real start-up path (startPlatform) on a test database: metrics hooks and readiness checks
// are wired there, not in createTestApp.
describe('observability: /metrics and /ready', () => {
  let db: TestDatabase;
  let platform: StartedPlatform;
  let auth: { Authorization: string };
  const printed: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('observability');
    platform = await startPlatform({ env: platformEnv(db.url), argv: [], print: (l) => printed.push(l), runtime: { pollIntervalMs: 100 } });
    auth = { Authorization: `Bearer ${platform.ownerKey}` };
  });
  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  const metric = async (line: RegExp): Promise<number | undefined> => {
    const text = (await request(platform.url).get('/metrics').expect(200)).text;
    const found = text.split('\n').find((l) => line.test(l));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  };

  it('counts runs by status, sandbox calls and webhook requests by status where they happen', async () => {
    const created = await request(platform.url)
      .post('/api/v1/flows')
      .set(auth)
      .send({ name: 'hooked', trigger: { type: 'webhook' }, steps: [{ name: 'double', type: 'code', code: 'return input.trigger.messages[0].payload.n * 2' }] })
      .expect(201);
    const { id, webhookToken } = created.body as { id: string; webhookToken: string };
    await request(platform.url).post(`/api/v1/flows/${id}/publish`).set(auth).expect(201);
    await request(platform.url).post(`/api/v1/flows/${id}/activate`).set(auth).expect(200);

    const accepted = await request(platform.url).post(`/hooks/${id}`).set('Authorization', `Bearer ${webhookToken}`).send({ n: 21 }).expect(202);
    await request(platform.url).post(`/hooks/${id}`).set('Authorization', 'Bearer fpwh_wrong').send({ n: 1 }).expect(401);
    const runId = accepted.body.runId as string;
    const run = await waitUntil('the webhook run to end', async () => {
      const r = (await request(platform.url).get(`/api/v1/runs/${runId}`).set(auth).expect(200)).body as { status: string; steps: Array<{ output: unknown }> };
      return ['queued', 'running'].includes(r.status) ? undefined : r;
    });
    expect({ status: run.status, error: (run as { error?: unknown }).error }).toEqual({ status: 'succeeded', error: null });
    expect(run.steps[0].output).toBe(42);

    expect(await metric(/^flowport_runs_started_total\{trigger="webhook"\}/)).toBe(1);
    expect(await metric(/^flowport_runs_finished_total\{status="succeeded"\}/)).toBe(1);
    expect(await metric(/^flowport_webhook_requests_total\{status="202"\}/)).toBe(1);
    expect(await metric(/^flowport_webhook_requests_total\{status="401"\}/)).toBe(1);
    expect(await metric(/^flowport_sandbox_call_duration_seconds_count\{op="action.run",ok="true"\}/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^flowport_sandbox_isolate_recycles_total/)).toBe(0);
  });

  it('/ready reports database, transport and drivers; /health only the database', async () => {
    const ready = (await request(platform.url).get('/ready').expect(200)).body;
    expect(Object.keys(ready.details).sort()).toEqual(['database', 'drivers', 'transport']);
    expect(ready.details.transport).toEqual({ status: 'up', transport: 'in-process' });
    const health = (await request(platform.url).get('/health').expect(200)).body;
    expect(Object.keys(health.details)).toEqual(['database']);
  });
});

describe('PinoNestLogger', () => {
  it('writes one JSON object per line with the context and the fields of an object message', () => {
    const lines: string[] = [];
    const logger = new PinoNestLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
    logger.log({ msg: 'Run finished', runId: 'r-1', flowId: 'f-1', status: 'succeeded' }, 'Executor');
    logger.debug('hidden at info', 'Executor');
    logger.error('Claiming runs failed', 'stack line', 'Executor');
    expect(lines).toHaveLength(2);
    const [info, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({ level: 30, context: 'Executor', msg: 'Run finished', runId: 'r-1', flowId: 'f-1', status: 'succeeded' });
    expect(error).toMatchObject({ level: 50, context: 'Executor', msg: 'Claiming runs failed', stack: 'stack line' });
  });
});
