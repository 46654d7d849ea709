/** The `flowport connector <command>` implementations. Each returns an exit code. */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { SDK_VERSION } from '../version';
import { NAME_PATTERN } from '../names';
import { validateManifest } from '../validate';
import { allowedHostsForCall } from '../host-grants';
import { MemoryStore } from '../local-context';
import type { ConnectorManifest, GuestOp, JsonValue } from '../types';
import {
  BUNDLE_FILE,
  INTEGRITY_FILE,
  MANIFEST_FILE,
  bundleConnector,
  evaluateBundle,
  integrityOf,
  writeBuild,
} from './build';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Progress, formatBytes, type CliIo } from './io';

export const TEMPLATE_DIR = resolve(__dirname, '..', '..', 'template');

function titleCase(slug: string): string {
  return slug
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

// ---------------------------------------------------------------- init

export async function initCommand(io: CliIo, name: string | undefined, dir: string): Promise<number> {
  if (!name) throw new CliError('usage: flowport connector init <name>   (name: a lowercase slug like "acme-crm")', EXIT_USAGE);
  if (!NAME_PATTERN.test(name)) {
    throw new CliError(`connector name "${name}" is invalid: use lowercase letters, digits and single dashes, e.g. "acme-crm"`, EXIT_USAGE);
  }
  const target = resolve(dir, name);
  if (existsSync(target) && (await readdir(target)).length > 0) {
    throw new CliError(`${target} already exists and is not empty: pick another name or remove the folder`, EXIT_USAGE);
  }
  const values: Record<string, string> = {
    name,
    displayName: titleCase(name),
    sdkVersion: SDK_VERSION,
  };
  const written: string[] = [];
  async function copy(from: string, to: string): Promise<void> {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      // Template files carry a .tpl suffix so the SDK's own lint/typecheck/jest skip them.
      // npm drops .gitignore from published packages, hence the plain name in the template.
      const plain = entry.name.replace(/\.tpl$/, '');
      const outName = plain === 'gitignore' ? '.gitignore' : plain;
      if (entry.isDirectory()) await copy(join(from, entry.name), join(to, outName));
      else {
        const text = await readFile(join(from, entry.name), 'utf8');
        await writeFile(join(to, outName), text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => values[key] ?? m), 'utf8');
        written.push(relative(target, join(to, outName)));
      }
    }
  }
  await copy(TEMPLATE_DIR, target);
  io.stdout(`Created connector "${name}" in ${target}\n`);
  for (const file of written.sort()) io.stdout(`  ${file}\n`);
  io.stdout(`\nNext:\n  cd ${relative(dir, target) || '.'}\n  npm install\n  npm test\n  npx flowport connector build\n  npx flowport connector test action get-item --props props.json --account account.json\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------- build

export async function buildCommand(io: CliIo, dir: string, options: { minify?: boolean }): Promise<number> {
  const progress = new Progress(io);
  io.stdout(`Building connector in ${dir}\n`);
  const built = await progress.phase('bundle', () => bundleConnector(dir, options), (b) => `${BUNDLE_FILE} ${formatBytes(Buffer.byteLength(b.code))}`);
  for (const warning of built.warnings) io.stderr(`warning: ${warning}\n`);
  const paths = await progress.phase('write', () => writeBuild(dir, built), () => `dist/${MANIFEST_FILE}, dist/${INTEGRITY_FILE}`);
  const m = built.manifest;
  io.stdout(
    `Built ${m.name}@${m.version}: ${m.actions.length} action(s), ${m.triggers.length} trigger(s), ${m.accounts.length} account(s) in ${progress.total()} ms\n` +
      `  ${relative(dir, paths.bundlePath)}  ${formatBytes(Buffer.byteLength(built.code))}\n` +
      `  ${relative(dir, paths.manifestPath)}  ${formatBytes(Buffer.byteLength(JSON.stringify(m, null, 2)))}\n` +
      `  integrity ${built.integrity}\n`,
  );
  return EXIT_OK;
}

// ---------------------------------------------------------------- validate

interface DistFiles {
  code: string;
  manifestText: string;
  integrity: string;
}

async function readDist(dir: string): Promise<DistFiles> {
  const dist = join(dir, 'dist');
  const missing = [BUNDLE_FILE, MANIFEST_FILE, INTEGRITY_FILE].filter((f) => !existsSync(join(dist, f)));
  if (missing.length > 0) {
    throw new CliError(`dist/${missing.join(', dist/')} missing in ${dir}: run flowport connector build first`);
  }
  const [code, manifestText, integrity] = await Promise.all(
    [BUNDLE_FILE, MANIFEST_FILE, INTEGRITY_FILE].map((f) => readFile(join(dist, f), 'utf8')),
  );
  return { code, manifestText, integrity: integrity.trim() };
}

export async function validateCommand(io: CliIo, dir: string): Promise<number> {
  const files = await readDist(dir);
  const problems: { path: string; message: string }[] = [];
  let manifest: unknown;
  try {
    manifest = JSON.parse(files.manifestText);
  } catch (err) {
    problems.push({ path: `dist/${MANIFEST_FILE}`, message: `is not JSON: ${(err as Error).message}` });
  }
  const actual = integrityOf(files.code);
  if (actual !== files.integrity) {
    problems.push({ path: `dist/${INTEGRITY_FILE}`, message: `says ${files.integrity} but dist/${BUNDLE_FILE} hashes to ${actual}; rebuild` });
  }
  try {
    const evaluated = evaluateBundle(files.code);
    if (manifest !== undefined && JSON.stringify(evaluated.manifest) !== JSON.stringify(manifest)) {
      problems.push({ path: `dist/${MANIFEST_FILE}`, message: `differs from the manifest dist/${BUNDLE_FILE} declares; rebuild` });
    }
  } catch (err) {
    problems.push({ path: `dist/${BUNDLE_FILE}`, message: (err as Error).message });
  }
  if (manifest !== undefined) problems.push(...validateManifest(manifest).errors);
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`${p.path || '(manifest)'}: ${p.message}\n`);
    io.stderr(`${problems.length} problem(s) found\n`);
    return EXIT_FAILURE;
  }
  const m = manifest as ConnectorManifest;
  io.stdout(`${m.name}@${m.version} is valid: ${m.actions.length} action(s), ${m.triggers.length} trigger(s), integrity ${files.integrity}\n`);
  return EXIT_OK;
}

// ---------------------------------------------------------------- test

async function readJsonFile(io: CliIo, file: string | undefined, what: string): Promise<JsonValue | undefined> {
  if (!file) return undefined;
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`${what} file ${file} not found`, EXIT_USAGE);
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new CliError(`${what} file ${file} is not JSON: ${(err as Error).message}`, EXIT_USAGE);
  }
}

interface SandboxModule {
  SandboxPool: new (options?: Record<string, unknown>) => {
    call(request: Record<string, unknown>): Promise<
      | { ok: true; output: JsonValue; logs: { level: string; message: string }[] }
      | { ok: false; error: { name: string; message: string; stack?: string }; logs: { level: string; message: string }[] }
    >;
    close(): Promise<void> | void;
  };
}

/** The sandbox is an optional peer: connector authors install it only to run `connector test`. */
export function loadSandbox(moduleId = '@flowport/sandbox'): SandboxModule {
  try {
    // A lazy require keeps the sandbox (and its native isolated-vm addon) optional for every other command.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(moduleId) as SandboxModule;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(`'${moduleId}'`)) {
      throw new CliError(
        'flowport connector test runs your connector in the platform sandbox, which is not installed: npm install --save-dev @flowport/sandbox',
        EXIT_USAGE,
      );
    }
    throw err;
  }
}

/** The host capabilities `connector test` grants; the shape of `@flowport/capabilities` it uses. */
type GuardOptions = { allowPrivateNetwork: boolean; allowPrivateNetworkHint: string };
interface CapabilitiesModule {
  PgSqlCapabilities: new (options: GuardOptions) => { forAccount(values: Record<string, unknown>): unknown; close(): Promise<void> };
  AmqpCapabilities: new (options: GuardOptions) => { close(): Promise<void> };
  KafkaCapabilities: new (options: GuardOptions) => { close(): Promise<void> };
}

/** The capabilities whose connections the host holds: granted from `@flowport/capabilities`. */
export const HOST_HELD_CAPABILITIES = ['sql', 'amqp', 'kafka'] as const;

/**
 * The platform's host capabilities are a second optional peer, needed only to test connectors
 * that declare `sql`, `amqp` or `kafka` (they bring pg, amqplib and kafkajs).
 */
export function loadCapabilities(needed: readonly string[], moduleId = '@flowport/capabilities'): CapabilitiesModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(moduleId) as CapabilitiesModule;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(`'${moduleId}'`)) {
      throw new CliError(
        `this connector declares the ${needed.join(', ')} capabilit${needed.length === 1 ? 'y' : 'ies'}, whose connections the platform's host capabilities hold, which are not installed: npm install --save-dev @flowport/capabilities`,
        EXIT_USAGE,
      );
    }
    throw err;
  }
}

export interface TestOptions {
  kind: string | undefined;
  name: string | undefined;
  props?: string;
  account?: string;
  state?: string;
  message?: string;
  request?: string;
  peek?: boolean;
  allowHost?: string[];
  allowPrivateNetwork?: boolean;
  timeoutMs?: number;
}

export async function testCommand(
  io: CliIo,
  dir: string,
  o: TestOptions,
  sandbox: () => SandboxModule = loadSandbox,
  hostCapabilities: (needed: readonly string[]) => CapabilitiesModule = loadCapabilities,
): Promise<number> {
  if (o.kind !== 'action' && o.kind !== 'trigger') {
    throw new CliError('usage: flowport connector test <action|trigger> [name] --props props.json --account account.json', EXIT_USAGE);
  }
  const { SandboxPool } = sandbox();
  const [props, account, state, message, request] = await Promise.all([
    readJsonFile(io, o.props, 'props'),
    readJsonFile(io, o.account, 'account'),
    readJsonFile(io, o.state, 'state'),
    readJsonFile(io, o.message, 'message'),
    readJsonFile(io, o.request, 'request'),
  ]);
  if (state !== undefined && (state === null || typeof state !== 'object' || Array.isArray(state))) {
    throw new CliError(`state file ${o.state} must hold a JSON object of store keys`, EXIT_USAGE);
  }
  const progress = new Progress(io);
  const built = await progress.phase('bundle', () => bundleConnector(dir), (b) => formatBytes(Buffer.byteLength(b.code)));
  const m = built.manifest;
  const list = o.kind === 'action' ? m.actions : m.triggers;
  let name = o.name;
  if (!name) {
    if (list.length !== 1) {
      throw new CliError(`name the ${o.kind} to test; available: ${list.map((x) => x.name).join(', ') || '(none)'}`, EXIT_USAGE);
    }
    name = list[0].name;
  }
  const entry = list.find((x) => x.name === name);
  if (!entry) throw new CliError(`unknown ${o.kind} "${name}"; available: ${list.map((x) => x.name).join(', ') || '(none)'}`, EXIT_USAGE);

  const store = new MemoryStore((state ?? {}) as Record<string, JsonValue>);
  const calls: { op: GuestOp; input: Record<string, JsonValue | undefined> }[] = [];
  const base = { props: props ?? {}, account: account ?? null };
  if (o.kind === 'action') calls.push({ op: 'action.run', input: base });
  else {
    const trigger = m.triggers.find((t) => t.name === name)!;
    if (o.peek) calls.push({ op: 'trigger.test', input: base });
    else if (trigger.kind === 'pooling') calls.push({ op: 'trigger.poll', input: { ...base, lastPollAt: null } });
    else if (trigger.kind === 'stream') {
      calls.push({ op: 'trigger.config', input: base });
      if (message !== undefined) calls.push({ op: 'trigger.map', input: { ...base, message } });
    } else if (request !== undefined) calls.push({ op: 'trigger.webhook', input: { ...base, request } });
    else calls.push({ op: 'trigger.test', input: base });
  }

  // As on the platform: sql for a call with an account, amqp and kafka whenever the manifest lists
  // them, behind the same network guard (private addresses only with --allow-private-network).
  const needed = HOST_HELD_CAPABILITIES.filter((c) => m.capabilities.includes(c));
  const host = needed.length > 0 ? hostCapabilities(needed) : undefined;
  const guard = { allowPrivateNetwork: o.allowPrivateNetwork ?? false, allowPrivateNetworkHint: 'run connector test with --allow-private-network to reach it' };
  const sql = host && needed.includes('sql') && account != null ? new host.PgSqlCapabilities(guard) : undefined;
  const amqp = host && needed.includes('amqp') ? new host.AmqpCapabilities(guard) : undefined;
  const kafka = host && needed.includes('kafka') ? new host.KafkaCapabilities(guard) : undefined;
  const granted = {
    ...(sql ? { sql: sql.forAccount(account as Record<string, unknown>) } : {}),
    ...(amqp ? { amqp } : {}),
    ...(kafka ? { kafka } : {}),
  };

  const pool = new SandboxPool(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {});
  let failed = false;
  try {
    for (const call of calls) {
      const result = await progress.phase(call.op, () =>
        pool.call({
          bundle: { code: built.code, integrity: built.integrity },
          op: call.op,
          target: name,
          input: call.input,
          capabilities: {
            store,
            // As on the platform: the manifest's hosts plus those the account's and props' URL fields grant.
            allowedHosts: [
              ...allowedHostsForCall(m, { op: call.op, target: name, account: (account ?? null) as Record<string, unknown> | null, props: (props ?? {}) as Record<string, unknown> }),
              ...(o.allowHost ?? []),
            ],
            ...(o.allowPrivateNetwork ? { allowPrivateNetwork: true } : {}),
            ...granted,
          },
        }),
      );
      for (const line of result.logs) io.stderr(`[${line.level}] ${line.message}\n`);
      if (!result.ok) {
        io.stderr(`${o.kind} "${name}" failed (${call.op}): ${result.error.name}: ${result.error.message}\n`);
        failed = true;
        break;
      }
      if (call.op === 'trigger.poll') {
        const items = (result.output as { items?: JsonValue[] }).items ?? [];
        io.stdout(`${items.length} item(s):\n${JSON.stringify(items, null, 2)}\n`);
        io.stdout(`store state after the poll:\n${JSON.stringify(store.toJSON(), null, 2)}\n`);
      } else {
        io.stdout(`${call.op} output:\n${JSON.stringify(result.output, null, 2)}\n`);
      }
    }
  } finally {
    await pool.close();
    // The host-held connections would otherwise keep the process alive.
    await Promise.all([sql?.close(), amqp?.close(), kafka?.close()]);
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

// ---------------------------------------------------------------- publish

export async function publishCommand(io: CliIo, dir: string, o: { registry?: string; token?: string }): Promise<number> {
  const registry = o.registry ?? io.env.FLOWPORT_REGISTRY_URL;
  const token = o.token ?? io.env.FLOWPORT_TOKEN;
  if (!registry) throw new CliError('no registry: pass --registry <url> or set FLOWPORT_REGISTRY_URL', EXIT_USAGE);
  if (!token) throw new CliError('no API key: pass --token <key> or set FLOWPORT_TOKEN (create one in the Studio under Settings > API keys)', EXIT_USAGE);
  let url: URL;
  try {
    url = new URL('api/v1/registry/connectors', registry.endsWith('/') ? registry : `${registry}/`);
  } catch {
    throw new CliError(`registry URL "${registry}" is not a valid URL`, EXIT_USAGE);
  }
  const progress = new Progress(io);
  const files = await progress.phase('read', () => readDist(dir), (f) => `${BUNDLE_FILE} ${formatBytes(Buffer.byteLength(f.code))}`);
  const manifest = JSON.parse(files.manifestText) as ConnectorManifest;
  if (integrityOf(files.code) !== files.integrity) {
    throw new CliError(`dist/${INTEGRITY_FILE} does not match dist/${BUNDLE_FILE}: run flowport connector build again`);
  }
  io.stdout(`Publishing ${manifest.name}@${manifest.version} to ${url.origin}\n`);
  const response = await progress.phase(
    'upload',
    async () => {
      try {
        return await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ manifest, bundle: files.code, integrity: files.integrity }),
        });
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
        throw new CliError(`cannot reach the registry at ${url.origin}: ${cause}`);
      }
    },
    (r) => `HTTP ${r.status}`,
  );
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { message?: string; details?: { path?: string; message?: string }[] } } | undefined)?.error;
    io.stderr(`publish failed: HTTP ${response.status}: ${error?.message ?? (text.slice(0, 300) || response.statusText)}\n`);
    for (const d of error?.details ?? []) io.stderr(`  ${d.path ?? ''}: ${d.message ?? ''}\n`);
    if (response.status === 401 || response.status === 403) io.stderr('  check --token / FLOWPORT_TOKEN\n');
    return EXIT_FAILURE;
  }
  io.stdout(`Published ${manifest.name}@${manifest.version} (${files.integrity}) in ${progress.total()} ms\n`);
  return EXIT_OK;
}

