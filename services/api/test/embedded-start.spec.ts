import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { startPlatform } from '../src';
import { freePort } from '@flowport/testing';

// Real embedded PostgreSQL (initdb + server) in a fresh FLOWPORT_HOME, started twice.
describe('npm start with embedded PostgreSQL', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flowport-embedded-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('initialises the data folder on first start and reuses it on the next', async () => {
    const env = { FLOWPORT_HOME: home, PORT: '0', HOST: '127.0.0.1', FLOWPORT_EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'error' };
    const first: string[] = [];
    const a = await startPlatform({ env, argv: [], print: (l) => first.push(l) });
    let ownerKey: string;
    try {
      expect(a.ownerKey).toMatch(/^fp_/);
      ownerKey = a.ownerKey!;
      expect(first.join('\n')).toContain(`data in ${path.join(home, 'pg')} (new)`);
      expect(first).toContain(`  ${ownerKey}`);
      expect(first.some((l) => l.includes(`Generated an account encryption key in ${path.join(home, 'secret-keys')}`))).toBe(true);
      await request(a.url).get('/health').expect(200);
      // Built-in connectors: built with the SDK CLI, published by "Flowport built-ins", installed into "Default".
      const builtIn = ['amazon-sqs', 'http', 'kafka', 'postgres', 'rabbitmq'];
      const versions = builtIn.map((name) => [name, (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'connectors', name, 'package.json'), 'utf8')) as { version: string }).version]);
      expect(a.seeded.map((r) => [r.connector, r.phases.slice(1)])).toEqual(builtIn.map((name) => [name, ['publish', 'install']]));
      expect(first.some((l) => /^ {2}seed rabbitmq +publish +\d+ ms {2}\d+\.\d+\.\d+$/.test(l))).toBe(true);
      const store = await request(a.url).get('/api/v1/store/connectors').set('Authorization', `Bearer ${ownerKey}`).expect(200);
      expect(store.body.items.map((c: { name: string; installedVersion: string | null }) => [c.name, c.installedVersion])).toEqual(versions);
      await request(a.url).post('/api/v1/workspaces').set('Authorization', `Bearer ${ownerKey}`).send({ name: 'Kept' }).expect(201);
    } finally {
      await a.stop();
    }

    const second: string[] = [];
    const b = await startPlatform({ env, argv: [], print: (l) => second.push(l) });
    try {
      expect(b.ownerKey).toBeNull();
      expect(second.join('\n')).toContain('(reused)');
      expect(b.seeded.map((r) => r.phases.slice(1))).toEqual(b.seeded.map(() => ['already published', 'already installed']));
      expect(b.seeded).toHaveLength(5);
      expect(second.join('\n')).not.toContain('fp_');
      const me = await request(b.url).get('/api/v1/me').set('Authorization', `Bearer ${ownerKey}`).expect(200);
      expect(me.body.workspace.name).toBe('Default');
      const health = await request(b.url).get('/health').expect(200);
      expect(health.body.status).toBe('ok');
    } finally {
      await b.stop();
    }
  }, 180_000);
});
