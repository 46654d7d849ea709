import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { WorkspacesService, type AuthContext } from '@flowport/core';
import { RegistryService } from '@flowport/registry';
import { InstallsService } from '@flowport/store';
import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

const run = promisify(execFile);

/** The workspace that publishes the connectors shipped in connectors/* (owns their names). */
export const BUILT_IN_PUBLISHER = 'Flowport built-ins';
/** Serialises seeding between processes starting together on one database. */
const SEED_LOCK = 7_361_204_001;

export type SeedPhase = 'build' | 'reuse build' | 'publish' | 'already published' | 'install' | 'already installed' | 'failed';
export type SeedReport = { connector: string; version: string | null; phases: SeedPhase[]; error?: string };

type Built = { manifest: Record<string, unknown> & { name: string; version: string }; bundle: string; integrity: string };

/** connectors/<name> folders that are SDK packages with a `build:connector` script. */
export function findBuiltInConnectors(root: string): string[] {
  const dir = path.join(root, 'connectors');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .filter((p) => {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
        return typeof pkg.scripts?.['build:connector'] === 'string' && fs.existsSync(path.join(p, 'src', 'index.ts'));
      } catch {
        return false;
      }
    })
    .sort();
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds with the SDK CLI (`flowport connector build`) unless dist/ is newer than src/. */
async function buildConnector(root: string, dir: string): Promise<{ built: Built; rebuilt: boolean }> {
  const dist = path.join(dir, 'dist');
  const files = ['manifest.json', 'connector.js', 'integrity.txt'].map((f) => path.join(dist, f));
  const fresh = files.every((f) => fs.existsSync(f)) && Math.min(...files.map((f) => fs.statSync(f).mtimeMs)) >= newestSource(path.join(dir, 'src'));
  if (!fresh) {
    const cli = path.join(root, 'connector-sdk', 'bin', 'flowport.js');
    await run(process.execPath, [cli, 'connector', 'build'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`flowport connector build failed in ${dir}: ${(err.stderr || err.message).trim().split('\n').slice(-5).join(' | ')}; run "npm run build:connector" there to see the whole output`);
    });
  }
  return {
    rebuilt: !fresh,
    built: {
      manifest: JSON.parse(fs.readFileSync(files[0], 'utf8')) as Built['manifest'],
      bundle: fs.readFileSync(files[1], 'utf8'),
      integrity: fs.readFileSync(files[2], 'utf8').trim(),
    },
  };
}

async function workspaceNamed(ds: DataSource, name: string): Promise<{ id: string; name: string } | null> {
  const rows = (await ds.query('SELECT id, name FROM workspaces WHERE name = $1 ORDER BY created_at LIMIT 1', [name])) as Array<{ id: string; name: string }>;
  return rows[0] ?? null;
}

/** The built-in publisher and the key its versions are recorded as published with. */
async function builtInPublisher(ds: DataSource, workspaces: WorkspacesService): Promise<AuthContext> {
  let workspace = await workspaceNamed(ds, BUILT_IN_PUBLISHER);
  // Its owner key is never shown: nobody signs in as the built-in publisher.
  if (!workspace) workspace = (await workspaces.createWorkspace(BUILT_IN_PUBLISHER, 'built-in publisher')).workspace;
  const keys = (await ds.query('SELECT id, name FROM api_keys WHERE workspace_id = $1 ORDER BY created_at LIMIT 1', [workspace.id])) as Array<{ id: string; name: string }>;
  if (!keys[0]) throw new Error(`Workspace "${BUILT_IN_PUBLISHER}" has no API key to publish with; delete the workspace and restart to recreate it`);
  return { workspace, role: 'owner', keyId: keys[0].id, keyName: keys[0].name };
}

/**
 * First start (and every start, idempotently): builds connectors/* with the SDK CLI, publishes
 * each version not yet in the registry under the "Flowport built-ins" publisher workspace and
 * installs it into workspace "Default" when that workspace has no install of it. Needs the
 * registry service and the store's installs (a process with the store role). One connector
 * failing is reported and does not stop the others or the platform.
 */
export async function seedBuiltInConnectors(app: INestApplicationContext, root: string, print: (line: string) => void): Promise<SeedReport[]> {
  const ds = app.get<DataSource>(getDataSourceToken());
  const registry = app.get(RegistryService);
  const installs = app.get(InstallsService);
  const workspaces = app.get(WorkspacesService);
  const dirs = findBuiltInConnectors(root);
  const reports: SeedReport[] = [];
  if (dirs.length === 0) return reports;

  // Builds run outside the lock (they touch only files); publishing and installing inside it.
  const builds = await Promise.all(
    dirs.map(async (dir) => {
      const started = performance.now();
      try {
        const b = await buildConnector(root, dir);
        print(`  seed ${path.basename(dir).padEnd(18)} ${(b.rebuilt ? 'build' : 'reuse build').padEnd(18)} ${String(Math.round(performance.now() - started)).padStart(6)} ms  ${b.built.manifest.name}@${b.built.manifest.version}`);
        return { dir, ...b };
      } catch (error) {
        print(`  seed ${path.basename(dir).padEnd(18)} ${'failed'.padEnd(18)} ${String(Math.round(performance.now() - started)).padStart(6)} ms  ${(error as Error).message}`);
        return { dir, error: error as Error };
      }
    }),
  );

  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [SEED_LOCK]);
    const auth = await builtInPublisher(ds, workspaces);
    const target = await workspaceNamed(ds, 'Default');
    for (const b of builds) {
      if ('error' in b && b.error) {
        reports.push({ connector: path.basename(b.dir), version: null, phases: ['failed'], error: b.error.message });
        continue;
      }
      const { built } = b as { built: Built };
      const report: SeedReport = { connector: built.manifest.name, version: built.manifest.version, phases: [b.rebuilt ? 'build' : 'reuse build'] };
      reports.push(report);
      const step = async (phase: SeedPhase, fn: () => Promise<unknown>) => {
        const started = performance.now();
        await fn();
        report.phases.push(phase);
        print(`  seed ${built.manifest.name.padEnd(18)} ${phase.padEnd(18)} ${String(Math.round(performance.now() - started)).padStart(6)} ms  ${built.manifest.version}`);
      };
      try {
        const published = (await ds.query('SELECT 1 FROM registry_versions WHERE connector_name = $1 AND version = $2', [built.manifest.name, built.manifest.version])) as unknown[];
        if (published.length > 0) await step('already published', async () => undefined);
        else await step('publish', () => registry.publish(auth, { manifest: built.manifest, bundle: built.bundle, integrity: built.integrity }));
        if (target) {
          const have = await installs.installedVersions(target.id, [built.manifest.name]);
          if (have.has(built.manifest.name)) await step('already installed', async () => undefined);
          else await step('install', () => installs.install(target.id, built.manifest.name, built.manifest.version));
        }
      } catch (error) {
        report.phases.push('failed');
        report.error = (error as Error).message;
        print(`  seed ${built.manifest.name.padEnd(18)} ${'failed'.padEnd(18)}           ${report.error}`);
      }
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => undefined);
    await runner.release();
  }
  return reports;
}
