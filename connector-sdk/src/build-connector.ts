/**
 * `buildConnector()`: the CLI's build as a function, for servers (the Studio) that build a
 * connector from files sent by a developer. Same esbuild bundle, same checks, same manifest
 * validation; the files go to a temporary folder that is removed afterwards.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { bundleConnector, type BuildOptions, type BuiltConnector } from './cli/build';
import { CliError } from './cli/io';
import type { ConnectorManifest } from './types';

export interface ConnectorBuildProblem {
  /** `src/lib/actions/x.ts:12:5` when the problem has a location, a manifest path, or '' */
  path: string;
  message: string;
}

/** A build that failed for a reason the connector's author can fix; `problems` names each one. */
export class ConnectorBuildError extends Error {
  constructor(
    message: string,
    readonly problems: ConnectorBuildProblem[],
  ) {
    super(message);
    this.name = 'ConnectorBuildError';
  }
}

export type BuildConnectorInput =
  | ({ dir: string; files?: undefined } & BuildOptions)
  | ({ files: Record<string, string>; dir?: undefined } & Omit<BuildOptions, 'sdk'>);

export interface BuildConnectorResult {
  manifest: ConnectorManifest;
  bundle: string;
  integrity: string;
  sourceMap?: string;
  warnings: string[];
}

/** Relative POSIX paths inside the connector folder only: `src/index.ts`, never `../x` or `/etc/x`. */
export function checkConnectorFilePath(path: string): string | undefined {
  if (path.length === 0 || path.length > 300) return 'must be 1-300 characters';
  if (isAbsolute(path) || path.startsWith('/') || path.includes('\\')) return 'must be a relative path with forward slashes, e.g. src/lib/actions/get-item.ts';
  const normal = posix.normalize(path);
  if (normal !== path || normal.startsWith('..') || path.split('/').some((part) => part === '.' || part === '..' || part === '')) {
    return 'must stay inside the connector folder (no "..", "." or empty segments)';
  }
  if (!/^[\w.@-]+(\/[\w.@-]+)*$/.test(path)) return 'may contain only letters, digits, "_", "-", "." and "@" in its segments';
  return undefined;
}

function toBuildError(err: unknown): never {
  if (err instanceof CliError) {
    throw new ConnectorBuildError(err.message, err.problems.length > 0 ? err.problems : [{ path: '', message: err.message }]);
  }
  throw err;
}

/**
 * Builds a connector from a folder (`dir`) or from in-memory `files` (`{ 'src/index.ts': '...' }`).
 * Built from files, the bundle carries this package's own SDK guest entry. Throws
 * `ConnectorBuildError` for anything the author can fix.
 */
export async function buildConnector(input: BuildConnectorInput): Promise<BuildConnectorResult> {
  const { dir, files, ...options } = input;
  let built: BuiltConnector;
  if (files === undefined) {
    if (!dir) throw new ConnectorBuildError('buildConnector needs dir or files', [{ path: '', message: 'pass dir or files' }]);
    built = await bundleConnector(dir, options).catch(toBuildError);
  } else {
    const bad = Object.keys(files)
      .map((path) => ({ path, message: checkConnectorFilePath(path) }))
      .filter((p): p is ConnectorBuildProblem => p.message !== undefined);
    if (bad.length > 0) throw new ConnectorBuildError(`invalid file paths: ${bad.map((p) => `${p.path} ${p.message}`).join('; ')}`, bad);
    if (typeof files['src/index.ts'] !== 'string') {
      throw new ConnectorBuildError('src/index.ts is missing: it must export default defineConnector({ ... })', [
        { path: 'src/index.ts', message: 'is missing: add it with export default defineConnector({ ... })' },
      ]);
    }
    const root = await mkdtemp(join(tmpdir(), 'flowport-build-'));
    try {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), text, 'utf8');
      }
      built = await bundleConnector(root, { ...options, sdk: 'own' }).catch(toBuildError);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  return {
    manifest: built.manifest,
    bundle: built.code,
    integrity: built.integrity,
    ...(built.sourceMap ? { sourceMap: built.sourceMap } : {}),
    warnings: built.warnings,
  };
}

/** `template/` beside src/ and dist/ alike. */
const TEMPLATE_SOURCES = resolve(__dirname, '..', 'template', 'src');

/**
 * The template's connector sources (`src/**`, what `flowport connector init` writes there) with
 * `{{name}}`/`{{displayName}}` filled in, keyed by path (`src/index.ts`).
 */
export async function connectorTemplateFiles(values: { name: string; displayName: string }): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else {
        const text = await readFile(join(dir, entry.name), 'utf8');
        files[`${prefix}${entry.name}`] = text.replace(/\{\{(name|displayName)\}\}/g, (_m, key: 'name' | 'displayName') => values[key]);
      }
    }
  }
  await walk(TEMPLATE_SOURCES, 'src/');
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}
