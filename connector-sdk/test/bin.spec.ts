import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { linkSdk, SDK_ROOT, tempDir } from './cli-helpers';

// Spawns processes and bundles; the root Jest config's 5 s default is too tight on a loaded machine.
jest.setTimeout(60_000);

const exec = promisify(execFile);

/**
 * Compiles the package into a private copy (tmp/ is git-ignored) so this test never rewrites
 * the shared dist/ other packages may be reading, then runs the real bin/flowport.js from it.
 */
const pkg = join(SDK_ROOT, 'tmp', `bin-test-${process.pid}`);
const bin = join(pkg, 'bin', 'flowport.js');

async function flowport(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the flowport bin after a build', () => {
  const tmp = tempDir('bin');

  beforeAll(async () => {
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    cpSync(join(SDK_ROOT, 'bin', 'flowport.js'), bin);
    cpSync(join(SDK_ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(SDK_ROOT, 'schema'), join(pkg, 'schema'), 'dir');
    symlinkSync(join(SDK_ROOT, 'template'), join(pkg, 'template'), 'dir');
    const tsc = require.resolve('typescript/bin/tsc');
    await exec(process.execPath, [tsc, '-p', join(SDK_ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist'), '--sourceMap', 'false', '--declaration', 'false', '--noCheck']);
  }, 90_000);

  afterAll(() => {
    tmp.cleanup();
    rmSync(pkg, { recursive: true, force: true });
  });

  it('builds dist/guest.js and dist/cli/main.js', () => {
    expect(existsSync(join(pkg, 'dist', 'guest.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'cli', 'main.js'))).toBe(true);
  });

  it('init, build and validate a connector as a user would, with exit codes', async () => {
    const init = await flowport(['connector', 'init', 'bin-demo'], tmp.dir);
    expect(init.code).toBe(0);
    const dir = join(tmp.dir, 'bin-demo');
    // The private copy has the published layout (dist, no src), so the bundle uses dist/guest.js.
    linkSdk(dir, pkg);

    const build = await flowport(['connector', 'build'], dir);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/Built bin-demo@0\.1\.0/);
    const bundle = readFileSync(join(dir, 'dist', 'connector.js'), 'utf8');
    expect(bundle).toContain(`// ${relative(dir, join(pkg, 'dist', 'guest.js'))}`);
    expect(bundle).not.toContain('src/guest.ts');

    expect((await flowport(['connector', 'validate'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'dist', 'integrity.txt'), 'sha256-stale');
    const invalid = await flowport(['connector', 'validate'], dir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('dist/integrity.txt: says sha256-stale');

    const usage = await flowport(['connector', 'frobnicate'], dir);
    expect(usage.code).toBe(2);
  });
});
