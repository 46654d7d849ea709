import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createContext, runInContext } from 'node:vm';
import { createLocalContext, validateManifest, type ConnectorManifest, type GuestExports } from '../src';
import { run, scaffold, SDK_ROOT, tempDir } from './cli-helpers';

// Spawns processes and bundles; the root Jest config's 5 s default is too tight on a loaded machine.
jest.setTimeout(60_000);

const exec = promisify(execFile);

describe('flowport connector init -> build -> validate', () => {
  const tmp = tempDir('cli');
  let dir: string;

  beforeAll(async () => {
    dir = await scaffold(tmp.dir, 'acme-crm');
  });
  afterAll(() => tmp.cleanup());

  it('init scaffolds the STYLE.md connector shape with names filled in', () => {
    const files = ['package.json', 'README.md', '.gitignore', 'jest.config.js', 'tsconfig.json', 'props.json', 'account.json'];
    for (const f of files) expect(existsSync(join(dir, f))).toBe(true);
    expect(readdirSync(join(dir, 'src', 'lib', 'actions'))).toEqual(['get-item.ts']);
    expect(readdirSync(join(dir, 'src', 'lib', 'triggers'))).toEqual(['new-items.ts']);
    expect(existsSync(join(dir, 'src', 'lib', 'account.ts'))).toBe(true);
    expect(existsSync(join(dir, 'test', 'new-items.spec.ts'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('flowport-connector-acme-crm');
    expect(pkg.dependencies['@flowport/connector-sdk']).toBe('^0.1.0');
    const index = readFileSync(join(dir, 'src', 'index.ts'), 'utf8');
    expect(index).toContain("name: 'acme-crm'");
    expect(index).toContain("displayName: 'Acme Crm'");
    expect(index).not.toMatch(/\{\{\w+\}\}/);
  });

  it('build writes a self-contained bundle, its manifest and SRI integrity, with timings', async () => {
    const result = await run(['connector', 'build'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/bundle\s+\d+ ms {2}connector\.js \d+(\.\d)? kB/);
    expect(result.stdout).toMatch(/Built acme-crm@0\.1\.0: 1 action\(s\), 1 trigger\(s\), 1 account\(s\) in \d+ ms/);

    const code = readFileSync(join(dir, 'dist', 'connector.js'));
    const integrity = readFileSync(join(dir, 'dist', 'integrity.txt'), 'utf8');
    expect(integrity).toBe(`sha256-${createHash('sha256').update(code).digest('base64')}`);
    expect(code.toString()).not.toMatch(/\brequire\(|^\s*import /m);

    const manifest = JSON.parse(readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8')) as ConnectorManifest;
    expect(validateManifest(manifest)).toEqual({ ok: true, errors: [] });
    expect(manifest).toMatchObject({ name: 'acme-crm', version: '0.1.0', allowedHosts: ['api.example.com'], capabilities: ['log', 'http', 'store'] });
    expect(manifest.triggers[0]).toMatchObject({ name: 'new-items', kind: 'pooling', test: true, pooling: { itemIdPath: 'id' } });
    expect(manifest.accounts[0]).toMatchObject({ name: 'apiKey', secretFields: ['apiKey'], validate: true });

    // The bundle alone (no Node globals) runs the connector: the contract with the sandbox.
    const context = createContext({});
    runInContext(code.toString(), context);
    expect(Object.keys(context)).toEqual(['__flowport__']);
    const guest = (context as { __flowport__: GuestExports }).__flowport__;
    expect(JSON.parse(JSON.stringify(guest.manifest))).toEqual(manifest);
    const fetch = async (url: string) => ({ status: 200, headers: {}, body: JSON.stringify({ url, id: 7 }) });
    const out = await guest.invoke(
      { op: 'action.run', target: 'get-item', input: { props: { itemId: '7' }, account: { apiKey: 'k' } } },
      createLocalContext({ fetch }),
    );
    expect(out).toEqual({ url: 'https://api.example.com/items/7', id: 7 });
  });

  it('validate accepts the build and reports tampering as path: message', async () => {
    const ok = await run(['connector', 'validate', '--dir', dir], tmp.dir);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('acme-crm@0.1.0 is valid: 1 action(s), 1 trigger(s), integrity sha256-');

    const bundle = join(dir, 'dist', 'connector.js');
    const manifestFile = join(dir, 'dist', 'manifest.json');
    const original = readFileSync(bundle, 'utf8');
    const originalManifest = readFileSync(manifestFile, 'utf8');
    try {
      appendFileSync(bundle, '\n// tampered\n');
      const manifest = JSON.parse(originalManifest);
      manifest.triggers[0].props.properties.batchSize.maximum = 5000;
      writeFileSync(manifestFile, JSON.stringify(manifest));
      const bad = await run(['connector', 'validate'], dir);
      expect(bad.code).toBe(1);
      const lines = bad.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^dist\/integrity\.txt: says sha256-\S+ but dist\/connector\.js hashes to sha256-\S+; rebuild$/);
      expect(lines).toContain('dist/manifest.json: differs from the manifest dist/connector.js declares; rebuild');
      expect(lines).toContain(
        'triggers[0].props.batchSize: maximum is 1000 (got 5000); Batch Size is a standard prop and cannot be changed',
      );
      expect(lines[lines.length - 1]).toBe('3 problem(s) found');
    } finally {
      writeFileSync(bundle, original);
      writeFileSync(manifestFile, originalManifest);
    }
  });

  it('the scaffolded connector type-checks under its own strict tsconfig', async () => {
    // Only the locations differ from a real install: no node_modules/@types in the temp folder.
    writeFileSync(
      join(dir, 'tsconfig.check.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: {
          typeRoots: [join(SDK_ROOT, '..', 'node_modules', '@types')],
          paths: { '@flowport/connector-sdk': [join(SDK_ROOT, 'src', 'index.ts')] },
        },
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const { stdout } = await exec(process.execPath, [tsc, '-p', join(dir, 'tsconfig.check.json')], { cwd: dir }).catch((err) => err);
    expect(stdout).toBe('');
  });

  it("the scaffolded connector's own test passes", async () => {
    const config = {
      rootDir: dir,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      transform: { '^.+\\.ts$': [require.resolve('@swc/jest'), {}] },
      moduleNameMapper: { '^@flowport/connector-sdk$': join(SDK_ROOT, 'src', 'index.ts') },
    };
    const jestBin = require.resolve('jest/bin/jest');
    const { stderr } = await exec(process.execPath, [jestBin, '--config', JSON.stringify(config), '--ci', '--no-cache'], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(stderr).toMatch(/Tests:\s+3 passed, 3 total/);
  });
});

describe('flowport connector build refuses what cannot run in the sandbox', () => {
  const tmp = tempDir('cli-bad');
  let dir: string;
  beforeAll(async () => {
    dir = await scaffold(tmp.dir, 'bad-imports');
  });
  afterAll(() => tmp.cleanup());

  const withIndexImport = async (file: string, source: string) => {
    writeFileSync(join(dir, 'src', 'lib', file), source);
    const index = join(dir, 'src', 'index.ts');
    const original = readFileSync(index, 'utf8');
    writeFileSync(index, `import './lib/${file.replace(/\.ts$/, '')}';\n${original}`);
    try {
      return await run(['connector', 'build'], dir);
    } finally {
      writeFileSync(index, original);
    }
  };

  it('a Node built-in import, with the file and the fix', async () => {
    const result = await withIndexImport('x.ts', "import { readFileSync } from 'fs';\nexport const read = () => readFileSync('/etc/passwd');\n");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/lib/x.ts imports 'fs': connector code runs in a sandbox without Node APIs; use ctx.http / ctx.store");
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('node: specifiers and sub-paths too', async () => {
    const result = await withIndexImport('y.ts', "import { join } from 'node:path';\nimport { promises } from 'fs/promises';\nexport const x = [join, promises];\n");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/lib/y.ts imports 'node:path'");
    expect(result.stderr).toContain("src/lib/y.ts imports 'fs/promises'");
  });

  it('an unresolvable package or path', async () => {
    const result = await withIndexImport('z.ts', "import leftPad from 'left-pad';\nimport { nope } from './missing';\nexport const x = [leftPad, nope];\n");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("src/lib/z.ts imports 'left-pad', which cannot be resolved: add it to the connector's dependencies (npm install left-pad)");
    expect(result.stderr).toContain("src/lib/z.ts imports './missing', which cannot be resolved: fix the path");
  });

  it('a dynamic import left in the bundle', async () => {
    const result = await withIndexImport('d.ts', 'export const load = (name: string) => import(name);\nvoid load;\nif (Date.now() < 0) void load("x");\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the bundle still contains import(');
  });

  it('a require() esbuild cannot bundle', async () => {
    const result = await withIndexImport('r.ts', 'declare const require: (id: string) => unknown;\nexport const plugin = require(String(Date.now()));\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the bundle still contains a dynamic require() of a non-bundled module');
  });

  it('a connector whose manifest is invalid', async () => {
    const file = join(dir, 'src', 'index.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace("allowedHosts: ['api.example.com']", "allowedHosts: ['http://api.example.com/x']"));
    try {
      const result = await run(['connector', 'build'], dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("the connector's manifest is invalid:\n  allowedHosts[0]: must match pattern");
    } finally {
      writeFileSync(file, original);
    }
  });
});

it('without the SDK installed beside the connector, build bundles the CLI\'s own SDK and says so', async () => {
  const tmp = tempDir('cli-nosdk');
  try {
    await run(['connector', 'init', 'no-sdk'], tmp.dir);
    const result = await run(['connector', 'build'], join(tmp.dir, 'no-sdk'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: @flowport/connector-sdk is not installed in this connector; bundled the SDK that ships with this CLI');
  } finally {
    tmp.cleanup();
  }
});

describe('flowport exit codes and usage errors', () => {
  const tmp = tempDir('cli-usage');
  afterAll(() => tmp.cleanup());

  it.each([
    [[], 2, 'Usage: flowport connector'],
    [['deploy'], 2, 'unknown command "deploy"'],
    [['connector', 'explode'], 2, 'unknown connector command "explode"; available: init, build, validate, test, publish'],
    [['connector', 'build', '--colour'], 2, "Unknown option '--colour'"],
    [['connector', 'build', '--token', 'x'], 2, 'flowport connector build does not take --token'],
    [['connector', 'init'], 2, 'usage: flowport connector init <name>'],
    [['connector', 'init', 'Acme CRM'], 2, 'connector name "Acme CRM" is invalid'],
    [['connector', 'build'], 2, 'src/index.ts not found: run this inside a connector folder'],
    [['connector', 'validate'], 1, 'dist/connector.js, dist/manifest.json, dist/integrity.txt missing'],
    [['connector', 'test', 'flow'], 2, 'usage: flowport connector test <action|trigger>'],
    [['connector', 'publish'], 2, 'no registry: pass --registry <url> or set FLOWPORT_REGISTRY_URL'],
    [['connector', 'publish', '--registry', 'http://127.0.0.1:1'], 2, 'no API key: pass --token <key> or set FLOWPORT_TOKEN'],
  ])('flowport %j exits %i', async (argv, code, message) => {
    const result = await run(argv as string[], tmp.dir);
    expect(result.code).toBe(code);
    expect(result.stderr + result.stdout).toContain(message);
  });

  it('--help and --version exit 0', async () => {
    expect((await run(['--help'], tmp.dir)).code).toBe(0);
    const v = await run(['-v'], tmp.dir);
    expect(v).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('init refuses a non-empty folder', async () => {
    expect((await run(['connector', 'init', 'twice'], tmp.dir)).code).toBe(0);
    const again = await run(['connector', 'init', 'twice'], tmp.dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists and is not empty');
  });
});
