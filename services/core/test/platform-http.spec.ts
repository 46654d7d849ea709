import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, ValidateNested } from 'class-validator';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { ApiError, createTestApp, CurrentWorkspace, Roles, TestApp } from '../src';

class StepDto {
  @IsInt()
  @Max(1000)
  batchSize!: number;
}
class FlowDto {
  @IsString()
  name!: string;
  @ValidateNested({ each: true })
  @Type(() => StepDto)
  steps!: StepDto[];
}

@Controller('api/v1/probe')
class ProbeController {
  @Post()
  @Roles('member')
  create(@Body() body: FlowDto, @CurrentWorkspace() ws: { id: string }) {
    return { ok: true, steps: body.steps.length, workspace: ws.id };
  }
  @Get('conflict')
  conflict() {
    throw ApiError.conflict('Probe is in use', [{ path: 'flows', message: 'nightly sync' }]);
  }
  @Get('boom')
  boom() {
    throw new Error('secret internals');
  }
  @Post('dev')
  @Roles('developer')
  devOnly() {
    return { ok: true };
  }
}
@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('platform HTTP foundation', () => {
  let t: TestApp;
  // Under a dot folder on purpose: the default FLOWPORT_HOME is ./.flowport and express skips dot paths.
  const studioHome = fs.mkdtempSync(path.join(os.tmpdir(), 'flowport-studio-'));
  const studio = path.join(studioHome, '.flowport', 'studio');
  beforeAll(async () => {
    fs.mkdirSync(studio, { recursive: true });
    fs.writeFileSync(path.join(studio, 'index.html'), '<html>studio</html>');
    fs.writeFileSync(path.join(studio, 'main.js'), 'console.log(1)');
    t = await createTestApp({ imports: [ProbeModule], label: 'core_http', env: { FLOWPORT_MAX_BUNDLE_BYTES: '2048', FLOWPORT_STUDIO_DIR: studio } });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(studioHome, { recursive: true, force: true });
  });

  it('serves the studio with history-API fallback, never over API routes', async () => {
    expect((await request(t.server).get('/').expect(200)).text).toBe('<html>studio</html>');
    expect((await request(t.server).get('/flows/42/runs').set('Accept', 'text/html').expect(200)).text).toBe('<html>studio</html>');
    expect((await request(t.server).get('/main.js').expect(200)).text).toBe('console.log(1)');
    await request(t.server).get('/missing.js').expect(404);
    await request(t.server).get('/api/v1/me').set('Accept', 'text/html').expect(401);
  });
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('GET /health answers without a key', async () => {
    const res = await request(t.server).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
  });

  it('serves the OpenAPI document', async () => {
    const res = await request(t.server).get('/api/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/me', '/api/v1/workspaces', '/api/v1/keys']));
    await request(t.server).get('/api/docs').expect(200);
  });

  it('401 without or with a wrong key, in the error format', async () => {
    const none = await request(t.server).get('/api/v1/me').expect(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    expect(none.body.error.message).toMatch(/Authorization: Bearer/);
    const wrong = await request(t.server).get('/api/v1/me').set(auth(t.ownerKey.slice(0, -2) + 'xx')).expect(401);
    expect(wrong.body.error.message).toBe('API key is not valid or was revoked');
  });

  it('GET /me describes the caller', async () => {
    const res = await request(t.server).get('/api/v1/me').set(auth(t.ownerKey)).expect(200);
    expect(res.body).toEqual({ workspace: { id: t.workspaceId, name: 'Default' }, role: 'owner', keyName: 'owner' });
  });

  it('validation errors list every path', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .set(auth(t.ownerKey))
      .send({ name: 5, steps: [{ batchSize: 1 }, { batchSize: 5000 }], extra: true })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'name must be a string' },
        { path: 'steps[1].batchSize', message: 'batchSize must not be greater than 1000' },
        { path: 'extra', message: 'property extra should not exist' },
      ]),
    );
  });

  it('maps conflicts, internal errors, bad JSON and oversized bodies', async () => {
    const conflict = await request(t.server).get('/api/v1/probe/conflict').set(auth(t.ownerKey)).expect(409);
    expect(conflict.body).toEqual({ error: { code: 'CONFLICT', message: 'Probe is in use', details: [{ path: 'flows', message: 'nightly sync' }] } });
    const boom = await request(t.server).get('/api/v1/probe/boom').set(auth(t.ownerKey)).expect(500);
    expect(boom.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    const bad = await request(t.server).post('/api/v1/probe').set(auth(t.ownerKey)).set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(bad.body.error.code).toBe('INVALID_JSON');
    const big = await request(t.server).post('/api/v1/probe').set(auth(t.ownerKey)).send({ name: 'x'.repeat(2 * 1024 * 1024) }).expect(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const missing = await request(t.server).get('/api/v1/nothing-here').set(auth(t.ownerKey)).expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('owners create workspaces and keys; roles are enforced; workspaces are separate', async () => {
    const created = await request(t.server).post('/api/v1/workspaces').set(auth(t.ownerKey)).send({ name: 'Second' }).expect(201);
    expect(created.body.workspace.name).toBe('Second');
    expect(created.body.key.key).toMatch(/^fp_[A-Za-z0-9_-]{43}$/);
    const me2 = await request(t.server).get('/api/v1/me').set(auth(created.body.key.key)).expect(200);
    expect(me2.body.workspace).toEqual({ id: created.body.workspace.id, name: 'Second' });

    const member = await request(t.server).post('/api/v1/keys').set(auth(t.ownerKey)).send({ name: 'ops', role: 'member' }).expect(201);
    expect(member.body).toMatchObject({ name: 'ops', role: 'member' });
    const forbidden = await request(t.server).post('/api/v1/keys').set(auth(member.body.key)).send({ name: 'x', role: 'owner' }).expect(403);
    expect(forbidden.body.error.message).toBe('This needs the owner role; key "ops" has role member');
    await request(t.server).post('/api/v1/probe/dev').set(auth(member.body.key)).expect(403);
    await request(t.server).post('/api/v1/probe').set(auth(member.body.key)).send({ name: 'f', steps: [] }).expect(201);
    const badRole = await request(t.server).post('/api/v1/keys').set(auth(t.ownerKey)).send({ name: 'x', role: 'admin' }).expect(400);
    expect(badRole.body.error.details).toEqual([{ path: 'role', message: 'role must be one of member, developer, owner' }]);

    const keys = await request(t.server).get('/api/v1/keys?limit=1').set(auth(t.ownerKey)).expect(200);
    expect(keys.body.items).toHaveLength(1);
    expect(keys.body.items[0]).not.toHaveProperty('key');
    const next = await request(t.server).get(`/api/v1/keys?limit=1&cursor=${keys.body.nextCursor}`).set(auth(t.ownerKey)).expect(200);
    expect(next.body.items[0].name).toBe('ops');
    expect(next.body.nextCursor).toBeNull();
    const otherKeys = await request(t.server).get('/api/v1/keys').set(auth(created.body.key.key)).expect(200);
    expect(otherKeys.body.items.map((k: { name: string }) => k.name)).toEqual(['owner']);

    await request(t.server).delete(`/api/v1/keys/${member.body.id}`).set(auth(created.body.key.key)).expect(404);
    await request(t.server).delete(`/api/v1/keys/${member.body.id}`).set(auth(t.ownerKey)).expect(200);
    await request(t.server).get('/api/v1/me').set(auth(member.body.key)).expect(401);
    const badCursor = await request(t.server).get('/api/v1/keys?cursor=nope').set(auth(t.ownerKey)).expect(400);
    expect(badCursor.body.error.code).toBe('INVALID_CURSOR');
  });
});
