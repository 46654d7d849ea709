import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createPlatformApp, createTestApp, coreMigrations, type TestApp } from '@flowport/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FlowsModule, flowsMigrations } from '@flowport/flows';
import { RegistryModule, registryMigrations } from '@flowport/registry';
import { StoreModule, storeMigrations } from '@flowport/store';
import request from 'supertest';
import { RuntimeModule, runtimeMigrations, type RuntimeModuleOptions } from '../../src';

const run = promisify(execFile);
const RUNTIME_DIR = path.resolve(__dirname, '..', '..');
const REPO_ROOT = path.resolve(RUNTIME_DIR, '..', '..');
const FIXTURE = path.join(RUNTIME_DIR, 'test', 'fixtures', 'orders-queue');
const CLI = path.join(REPO_ROOT, 'connector-sdk', 'bin', 'flowport.js');

export type BuiltConnector = { manifest: Record<string, unknown>; bundle: string; integrity: string };

/** Builds test/fixtures/orders-queue with the real `flowport connector build` under a name and version. */
export async function buildOrdersConnector(name: string, version = '1.0.0'): Promise<BuiltConnector> {
  if (!fs.existsSync(path.join(REPO_ROOT, 'connector-sdk', 'dist', 'cli', 'main.js'))) {
    await run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO_ROOT, 'connector-sdk', 'tsconfig.build.json')]);
  }
  // Inside the repository so the copy resolves @flowport/connector-sdk from its node_modules.
  const dir = path.join(RUNTIME_DIR, 'tmp', `build-${randomBytes(4).toString('hex')}`);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  try {
    const index = path.join(dir, 'src', 'index.ts');
    fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('__NAME__', name).replace('__VERSION__', version));
    await run(process.execPath, [CLI, 'connector', 'build'], { cwd: dir });
    return {
      manifest: JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Record<string, unknown>,
      bundle: fs.readFileSync(path.join(dir, 'dist', 'connector.js'), 'utf8'),
      integrity: fs.readFileSync(path.join(dir, 'dist', 'integrity.txt'), 'utf8').trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The platform with registry, store, flows and runtime on a fresh database. */
export function createRuntimeApp(runtime: RuntimeModuleOptions = {}, env: Record<string, string> = {}): Promise<TestApp> {
  return createTestApp({
    imports: [RegistryModule.forRoot(), StoreModule, FlowsModule, RuntimeModule.forRoot({ pollIntervalMs: 100, reconcileIntervalMs: 500, deliveryRetryBaseDelayMs: 100, ...runtime })],
    migrations: [...registryMigrations, ...storeMigrations, ...flowsMigrations, ...runtimeMigrations],
    label: 'runtime',
    env,
  });
}

/** A second runtime replica on the same database as `t` (another process, in production). */
export async function createReplica(t: TestApp, runtime: RuntimeModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await createPlatformApp({
    config: t.config,
    databaseUrl: t.db.url,
    secretBox: t.secretBox,
    migrations: [...coreMigrations, ...registryMigrations, ...storeMigrations, ...flowsMigrations, ...runtimeMigrations],
    imports: [RegistryModule.forRoot(), StoreModule, FlowsModule, RuntimeModule.forRoot({ pollIntervalMs: 100, reconcileIntervalMs: 300, ...runtime })],
    poolSize: 4,
    logger: ['error', 'fatal'],
  });
  await app.init();
  return app;
}

/** API helpers bound to one app and key. */
export class Api {
  constructor(
    readonly t: TestApp,
    readonly key = t.ownerKey,
  ) {}

  get auth() {
    return { Authorization: `Bearer ${this.key}` };
  }

  get(url: string) {
    return request(this.t.server).get(url).set(this.auth);
  }

  post(url: string, body?: object) {
    return request(this.t.server).post(url).set(this.auth).send(body ?? {});
  }

  put(url: string, body: object) {
    return request(this.t.server).put(url).set(this.auth).send(body);
  }

  /** Publishes, installs and creates an account for the broker; returns the account id. */
  async setUpConnector(built: BuiltConnector, accountValues: Record<string, unknown>): Promise<string> {
    await this.post('/api/v1/registry/connectors', built).expect(201);
    const name = built.manifest.name as string;
    await this.post('/api/v1/installs', { connector: name, version: built.manifest.version }).expect(201);
    const account = await this.post('/api/v1/accounts', { connector: name, name: `broker-${randomBytes(3).toString('hex')}`, values: accountValues }).expect(201);
    return account.body.id as string;
  }

  /** Creates, publishes and (unless told otherwise) activates a flow; returns its id and webhook token. */
  async createFlow(body: { name: string; trigger: object; steps: object[] }, options: { activate?: boolean; publish?: boolean } = {}): Promise<{ id: string; webhookToken?: string }> {
    const created = await this.post('/api/v1/flows', body);
    if (created.status !== 201) throw new Error(`creating flow "${body.name}" failed: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    if (options.publish !== false) await this.post(`/api/v1/flows/${id}/publish`).expect(201);
    if (options.publish !== false && options.activate !== false) await this.post(`/api/v1/flows/${id}/activate`).expect(200);
    return { id, webhookToken: created.body.webhookToken as string | undefined };
  }

  /** Polls GET /api/v1/runs/{id} until the run has ended. */
  async waitForRun(runId: string, timeoutMs = 20_000): Promise<RunDetail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.get(`/api/v1/runs/${runId}`).expect(200);
      if (!['queued', 'running'].includes(res.body.status)) return res.body as RunDetail;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${res.body.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export type RunDetail = {
  id: string;
  flowId: string;
  status: string;
  error: string | null;
  trigger: Record<string, unknown>;
  messageCount: number;
  replayOf: string | null;
  messages: Array<{ id: string | null; externalId: string | null; status: string; payload: unknown }>;
  steps: Array<{ order: number; name: string; type: string; status: string; attempts: number; output: unknown; error: string | null; durationMs: number | null }>;
};

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
