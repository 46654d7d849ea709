import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_VARIABLES, loadConfig, PLATFORM_ROLES, UPSTREAM_ROLES, type PlatformRole } from '@flowport/core';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..', '..');

type Service = {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
};

// No Docker engine runs in CI: this checks the compose file against the roles' real
// configuration (core's loadConfig) instead of starting it.
describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const services = compose.services;
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  const platform = Object.entries(services).filter(([, s]) => s.environment?.FLOWPORT_ROLES !== undefined);
  const depsOf = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
  /** `${VAR:?message}` / `${VAR:-default}`: what compose substitutes, with a value for required variables. */
  const substitute = (value: string) =>
    value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => {
      if (kind === '-') return rest ?? '';
      if (name === 'FLOWPORT_SECRET_KEYS') return `v1:${Buffer.alloc(32, 7).toString('base64')}`;
      throw new Error(`docker-compose.yml uses \${${name}} but the test does not know a value for it`);
    });
  const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, substitute(String(v))]));

  it('has the infrastructure: PostgreSQL, RabbitMQ, Kafka (KRaft, one node) and an SQS-compatible server', () => {
    expect(services.postgres.image).toMatch(/^postgres:\d+/);
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:/);
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(services.kafka.environment).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_NODE_ID: '1' });
    expect(services.sqs.image).toMatch(/elasticmq/);
    for (const name of ['postgres', 'rabbitmq', 'kafka']) expect(services[name].healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('runs every role in its own container from the root Dockerfile, with two runtimes', () => {
    const roles = platform.map(([, s]) => String(s.environment!.FLOWPORT_ROLES));
    for (const role of PLATFORM_ROLES) expect(roles).toContain(role);
    expect(roles.filter((r) => r === 'runtime')).toHaveLength(2);
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    for (const [name, s] of platform) {
      expect({ name, build: s.build }).toEqual({ name, build: '.' });
      expect(s.healthcheck?.test.join(' ')).toContain('/ready');
    }
    // The image starts what `npm start` runs, with the flag isolated-vm needs.
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/NODE_OPTIONS=--no-node-snapshot/);
    expect(dockerfile).toMatch(/CMD \["node", "services\/api\/dist\/main\.js"\]/);
  });

  it('gives each role process an environment core accepts, every required variable set and no unknown FLOWPORT_ variable', () => {
    for (const [name, s] of platform) {
      const env = envOf(s);
      const unknown = Object.keys(env).filter((k) => (k.startsWith('FLOWPORT_') || ['DATABASE_URL', 'RABBITMQ_URL', 'LOG_LEVEL', 'PORT', 'HOST'].includes(k)) && !known.has(k));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
      const config = loadConfig(env, []);
      expect(config.databaseUrl).toMatch(/@postgres:5432\//);
      expect(config.rabbitmqUrl).toMatch(/@rabbitmq:5672$/);
      expect(config.port).toBe(3000); // the image's PORT, which the healthcheck and the upstream URLs use
      expect(config.roles).toEqual([env.FLOWPORT_ROLES as PlatformRole]);
    }
  });

  it('lets the api gateway reach every process of every other role, and starts it after them', () => {
    const api = services.api;
    expect(api.ports).toContain('3000:3000');
    const config = loadConfig(envOf(api), []);
    for (const role of UPSTREAM_ROLES) {
      const upstreams = config.upstreams[role] ?? [];
      expect({ role, configured: upstreams.length > 0 }).toEqual({ role, configured: true });
      for (const upstream of upstreams) {
        expect({ role, upstream }).toEqual({ role, upstream: expect.stringMatching(/^http:\/\/[\w-]+:3000$/) });
        const host = new URL(upstream).hostname;
        expect({ role, host, runs: services[host]?.environment?.FLOWPORT_ROLES }).toEqual({ role, host, runs: role });
        expect(depsOf(api)).toContain(host);
      }
      // Every replica of the role gets requests (FLOWPORT_<ROLE>_URL lists them all).
      const replicas = platform.filter(([, s]) => s.environment!.FLOWPORT_ROLES === role).map(([name]) => name);
      expect({ role, listed: upstreams.map((u) => new URL(u).hostname).sort() }).toEqual({ role, listed: replicas.sort() });
    }
    expect(config.upstreams.runtime).toEqual(['http://runtime-1:3000', 'http://runtime-2:3000']);
  });

  it('names only services that exist in depends_on, and every role waits for PostgreSQL and RabbitMQ', () => {
    for (const [name, s] of Object.entries(services)) for (const dep of depsOf(s)) expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
    for (const [name, s] of platform) {
      expect({ name, deps: depsOf(s) }).toEqual({ name, deps: expect.arrayContaining(name === 'api' ? ['postgres'] : ['postgres', 'rabbitmq']) });
    }
    // Every process migrates at start, one at a time under an advisory lock: the roles start
    // together; only the api gateway waits for the processes it forwards to.
    const roleServices = new Set(platform.map(([name]) => name));
    for (const [name, s] of platform) if (name !== 'api') expect({ name, waitsFor: depsOf(s).filter((d) => roleServices.has(d)) }).toEqual({ name, waitsFor: [] });
  });
});
