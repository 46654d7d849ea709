/**
 * `flowport connector build`: one self-contained IIFE (esbuild) that sets
 * `globalThis.__flowport__`, its manifest (read by evaluating the bundle in an empty node:vm
 * context) and its SRI integrity.
 */
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build, type Message, type Plugin } from 'esbuild';
import type { ConnectorManifest, GuestExports } from '../types';
import { integrityOf } from '../integrity';
import { validateManifest } from '../validate';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './io';

export interface BuiltConnector {
  code: string;
  /** Source map JSON when `sourceMap` was asked for. */
  sourceMap?: string;
  manifest: ConnectorManifest;
  integrity: string;
  /** Which SDK guest entry the bundle contains (for the build report). */
  sdkEntry: string;
  warnings: string[];
}

export const SDK_PACKAGE = '@flowport/connector-sdk';
export const BUNDLE_FILE = 'connector.js';
export const MANIFEST_FILE = 'manifest.json';
export const INTEGRITY_FILE = 'integrity.txt';

export { integrityOf };

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.replace(/^node:/, '')]));

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]);
}

/** This CLI's own guest entry: src/guest.ts when run from source, dist/guest.js when built. */
function ownGuestEntry(): string | undefined {
  for (const candidate of [join(__dirname, '..', 'guest.ts'), join(__dirname, '..', 'guest.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function ownGuestEntryOrFail(): string {
  const own = ownGuestEntry();
  if (!own) throw new CliError(`${SDK_PACKAGE} has no guest entry beside ${__dirname}: build it (npm run build -w ${SDK_PACKAGE})`);
  return own;
}

interface BuildState {
  sdkEntry?: string;
  ownSdk: boolean;
  warnings: string[];
}

/**
 * The SDK a connector bundles is the one installed beside it. Its sources win over dist when
 * present (a workspace checkout), so an SDK change needs no rebuild before a connector build.
 */
function sdkGuestEntry(resolveDir: string, warnings: string[]): string {
  const pkgDir = findInstalledSdk(resolveDir);
  if (pkgDir) {
    for (const candidate of [join(pkgDir, 'src', 'guest.ts'), join(pkgDir, 'dist', 'guest.js')]) {
      if (existsSync(candidate)) return candidate;
    }
    throw new CliError(`${SDK_PACKAGE} at ${pkgDir} has no dist/guest.js: build it (npm run build -w ${SDK_PACKAGE}) or reinstall it`);
  }
  const own = ownGuestEntry();
  if (!own) throw new CliError(`${SDK_PACKAGE} is not installed in this connector: run npm install ${SDK_PACKAGE}`);
  warnings.push(`${SDK_PACKAGE} is not installed in this connector; bundled the SDK that ships with this CLI (${dirname(own)})`);
  return own;
}

/**
 * Walks node_modules folders up from the connector. Not require.resolve: inside this package
 * Node's self-reference rule would answer with the CLI's own copy, not the connector's.
 */
function findInstalledSdk(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', ...SDK_PACKAGE.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function guardPlugin(root: string, state: BuildState): Plugin {
  const rel = (file: string | undefined) => (file ? relative(root, file).replace(/\\/g, '/') || file : 'the connector');
  return {
    name: 'flowport-guard',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${SDK_PACKAGE.replace('/', '\\/')}$`) }, (args) => {
        state.sdkEntry ??= state.ownSdk ? ownGuestEntryOrFail() : sdkGuestEntry(args.resolveDir || root, state.warnings);
        return { path: state.sdkEntry };
      });
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.flowportGuard) return undefined;
        const importer = args.importer === '<stdin>' ? undefined : args.importer;
        if (isNodeBuiltin(args.path)) {
          return {
            errors: [
              {
                text: `${rel(importer)} imports '${args.path}': connector code runs in a sandbox without Node APIs; use ctx.http / ctx.store`,
              },
            ],
          };
        }
        const result = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          pluginData: { flowportGuard: true },
        });
        if (result.errors.length > 0) {
          const relativeImport = args.path.startsWith('.') || args.path.startsWith('/');
          const fix = relativeImport
            ? 'fix the path'
            : `add it to the connector's dependencies (npm install ${args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]})`;
          return { errors: [{ text: `${rel(importer)} imports '${args.path}', which cannot be resolved: ${fix}` }] };
        }
        if (result.external) {
          return { errors: [{ text: `${rel(importer)} imports '${args.path}' as external; a connector bundle must be self-contained` }] };
        }
        return result;
      });
    },
  };
}

/** `src/x.ts:12:5` (1-based column, as editors and tsc show it), or undefined without a location. */
function messageLocation(root: string, m: Message): string | undefined {
  if (!m.location) return undefined;
  return `${relative(root, resolve(root, m.location.file)).replace(/\\/g, '/')}:${m.location.line}:${m.location.column + 1}`;
}

function formatMessage(root: string, m: Message): string {
  const at = messageLocation(root, m);
  if (m.pluginName === 'flowport-guard' || !at) return m.text;
  return `${at}: ${m.text}`;
}

/** Module syntax left in a bundle means it would try to load code the sandbox cannot provide. */
function leftoverModuleSyntax(code: string): string[] {
  const found: string[] = [];
  if (/(?<![\w$.])require\s*\(/.test(code)) found.push('require(');
  // esbuild's shim for a require() it could not bundle throws this text at run time.
  if (code.includes('Dynamic require of "')) found.push('a dynamic require() of a non-bundled module');
  if (/(?<![\w$.])import\s*\(/.test(code)) found.push('import(');
  if (/^\s*(import|export)\s[\s\S]*?from\s*['"]/m.test(code) || /^\s*import\s*['"]/m.test(code)) found.push('an import/export statement');
  return found;
}

/** Evaluates a bundle in a context with nothing but the JavaScript built-ins. */
export function evaluateBundle(code: string, filename = BUNDLE_FILE): { exports: GuestExports; manifest: ConnectorManifest; globals: string[] } {
  const context = createContext({});
  try {
    runInContext(code, context, { filename, timeout: 5_000 });
  } catch (err) {
    throw new CliError(`the bundle fails when evaluated: ${(err as Error)?.message ?? String(err)}`);
  }
  const globals = Object.keys(context);
  const exported = (context as { __flowport__?: GuestExports }).__flowport__;
  if (!exported || typeof exported.invoke !== 'function' || typeof exported.manifest !== 'object') {
    throw new CliError('the bundle does not set globalThis.__flowport__ = { manifest, invoke }; src/index.ts must export default defineConnector({ ... })');
  }
  // A copy made here so the manifest is a host-realm plain object (the vm realm's prototypes differ).
  const manifest = JSON.parse(JSON.stringify(exported.manifest)) as ConnectorManifest;
  return { exports: exported, manifest, globals };
}

export interface BuildOptions {
  minify?: boolean;
  /**
   * Also produce an external source map (JSON text, sources relative to the connector folder),
   * so stack traces from the sandbox can be mapped back to the connector's files.
   */
  sourceMap?: boolean;
  /**
   * Reads `__flowport__.manifest` from the bundle. Default: evaluate it in an empty node:vm
   * context (the developer's own code on their own machine). A server building code it did not
   * write passes the sandbox's `pool.loadManifest` so that code never runs on the host.
   */
  loadManifest?: (code: string) => Promise<unknown>;
  /**
   * `installed` (default): bundle the SDK from the connector's node_modules. `own`: bundle this
   * package's guest entry (a build from files that have no node_modules, e.g. the Studio).
   */
  sdk?: 'installed' | 'own';
}

/** Bundles `<dir>/src/index.ts`; throws CliError listing every problem. Writes nothing. */
export async function bundleConnector(dir: string, options: BuildOptions = {}): Promise<BuiltConnector> {
  const root = resolve(dir);
  const entry = join(root, 'src', 'index.ts');
  if (!existsSync(entry)) {
    throw new CliError(`${relative(process.cwd(), entry) || entry} not found: run this inside a connector folder (create one with flowport connector init <name>)`, EXIT_USAGE);
  }
  const state: BuildState = { ownSdk: options.sdk === 'own', warnings: [] };
  let result;
  try {
    result = await build({
      stdin: {
        contents: `import * as connector from './src/index.ts';\nimport { exposeConnector } from '${SDK_PACKAGE}';\nexposeConnector(connector);\n`,
        resolveDir: root,
        sourcefile: 'flowport-entry.ts',
        loader: 'ts',
      },
      absWorkingDir: root,
      bundle: true,
      write: false,
      // An output path is only needed for the external source map's `sources` (relative to dist/).
      ...(options.sourceMap ? { sourcemap: 'external' as const, sourcesContent: false, outfile: join(root, 'dist', BUNDLE_FILE) } : {}),
      format: 'iife',
      platform: 'neutral',
      target: 'es2022',
      conditions: ['flowport-guest'],
      mainFields: ['module', 'main'],
      metafile: true,
      minify: options.minify === true,
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
      plugins: [guardPlugin(root, state)],
    });
  } catch (err) {
    const failure = err as { errors?: Message[] };
    if (!failure.errors) throw err;
    const lines = failure.errors.map((m) => formatMessage(root, m));
    throw new CliError(
      `build failed:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      EXIT_FAILURE,
      failure.errors.map((m) => ({ path: messageLocation(root, m) ?? '', message: m.text })),
    );
  }
  const codeFile = result.outputFiles.find((f) => !f.path.endsWith('.map')) ?? result.outputFiles[0];
  const code = codeFile.text;
  const sourceMap = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  for (const output of Object.values(result.metafile.outputs)) {
    const externals = output.imports.filter((i) => i.external).map((i) => i.path);
    if (externals.length > 0) throw new CliError(`the bundle still imports ${externals.join(', ')}; a connector bundle must be self-contained`);
  }
  const leftovers = leftoverModuleSyntax(code);
  if (leftovers.length > 0) {
    throw new CliError(`the bundle still contains ${leftovers.join(', ')}; the sandbox cannot load modules, so every import must be static and bundled`);
  }
  let manifest: ConnectorManifest;
  if (options.loadManifest) {
    try {
      manifest = (await options.loadManifest(code)) as ConnectorManifest;
    } catch (err) {
      throw new CliError(`the bundle fails when evaluated: ${(err as Error)?.message ?? String(err)}`);
    }
  } else {
    const evaluated = evaluateBundle(code);
    manifest = evaluated.manifest;
    const extraGlobals = evaluated.globals.filter((g) => g !== '__flowport__');
    if (extraGlobals.length > 0) {
      throw new CliError(`the bundle sets globals besides __flowport__: ${extraGlobals.join(', ')}; keep state in module variables or ctx.store`);
    }
  }
  const validation = validateManifest(manifest);
  if (!validation.ok) {
    throw new CliError(
      `the connector's manifest is invalid:\n${validation.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
      EXIT_FAILURE,
      validation.errors,
    );
  }
  return { code, ...(sourceMap ? { sourceMap } : {}), manifest, integrity: integrityOf(code), sdkEntry: state.sdkEntry ?? '', warnings: state.warnings };
}

export async function writeBuild(dir: string, built: BuiltConnector): Promise<{ bundlePath: string; manifestPath: string; integrityPath: string }> {
  const out = join(resolve(dir), 'dist');
  await mkdir(out, { recursive: true });
  const bundlePath = join(out, BUNDLE_FILE);
  const manifestPath = join(out, MANIFEST_FILE);
  const integrityPath = join(out, INTEGRITY_FILE);
  await writeFile(bundlePath, built.code, 'utf8');
  await writeFile(manifestPath, `${JSON.stringify(built.manifest, null, 2)}\n`, 'utf8');
  await writeFile(integrityPath, built.integrity, 'utf8');
  return { bundlePath, manifestPath, integrityPath };
}
