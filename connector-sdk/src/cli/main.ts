/**
 * The `flowport` command line: `flowport connector init|build|validate|test|publish`.
 * Exit codes: 0 ok, 1 validation/build/test failure, 2 usage error.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SDK_VERSION } from '../version';
import { buildCommand, initCommand, publishCommand, testCommand, validateCommand } from './commands';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
export type { CliIo } from './io';

export const USAGE = `Usage: flowport connector <command> [options]

Commands:
  init <name>                    scaffold a connector folder ./<name>
  build [--minify]               bundle src/index.ts into dist/connector.js, dist/manifest.json, dist/integrity.txt
  validate                       check dist/ (integrity, bundle, manifest) and print every problem as path: message
  test <action|trigger> [name]   run it in the platform sandbox
      --props <file> --account <file> [--state <file>] [--message <file>] [--request <file>]
      [--peek] [--allow-host <host>]... [--allow-private-network] [--timeout <ms>]
  publish [--registry <url>] [--token <key>]
                                 upload dist/ to the registry (env FLOWPORT_REGISTRY_URL, FLOWPORT_TOKEN)

Common options:
  --dir <path>                   connector folder (default: the current directory)
  -h, --help                     show this help
  -v, --version                  show the SDK version

Exit codes: 0 ok, 1 validation/build/test failure, 2 usage error.
`;

const OPTIONS = {
  dir: { type: 'string' },
  minify: { type: 'boolean' },
  props: { type: 'string' },
  account: { type: 'string' },
  state: { type: 'string' },
  message: { type: 'string' },
  request: { type: 'string' },
  peek: { type: 'boolean' },
  'allow-host': { type: 'string', multiple: true },
  'allow-private-network': { type: 'boolean' },
  timeout: { type: 'string' },
  registry: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Which options each command accepts; anything else is a usage error. */
const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  init: ['dir'],
  build: ['dir', 'minify'],
  validate: ['dir'],
  test: ['dir', 'props', 'account', 'state', 'message', 'request', 'peek', 'allow-host', 'allow-private-network', 'timeout'],
  publish: ['dir', 'registry', 'token'],
};

function defaultIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
  };
}

export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioOverrides };
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n\n${USAGE}`, EXIT_USAGE);
    }
    const { values, positionals } = parsed;
    if (values.version) {
      io.stdout(`${SDK_VERSION}\n`);
      return EXIT_OK;
    }
    const [group, command, ...rest] = positionals;
    if (values.help || positionals.length === 0) {
      io.stdout(USAGE);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    if (group !== 'connector') throw new CliError(`unknown command "${group}"; did you mean "flowport connector ${group}"?\n\n${USAGE}`, EXIT_USAGE);
    if (!command || !(command in ALLOWED)) {
      throw new CliError(`unknown connector command ${JSON.stringify(command ?? '')}; available: ${Object.keys(ALLOWED).join(', ')}\n\n${USAGE}`, EXIT_USAGE);
    }
    const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
    const stray = given.filter((k) => !ALLOWED[command].includes(k as keyof typeof OPTIONS));
    if (stray.length > 0) throw new CliError(`flowport connector ${command} does not take --${stray.join(', --')}\n\n${USAGE}`, EXIT_USAGE);
    const dir = resolve(io.cwd, values.dir ?? '.');
    const maxPositionals = command === 'init' ? 1 : command === 'test' ? 2 : 0;
    if (rest.length > maxPositionals) throw new CliError(`unexpected argument "${rest[maxPositionals]}"\n\n${USAGE}`, EXIT_USAGE);

    switch (command) {
      case 'init':
        return await initCommand(io, rest[0], dir);
      case 'build':
        return await buildCommand(io, dir, { minify: values.minify });
      case 'validate':
        return await validateCommand(io, dir);
      case 'test': {
        let timeoutMs: number | undefined;
        if (values.timeout !== undefined) {
          timeoutMs = Number(values.timeout);
          if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be milliseconds > 0 (got ${values.timeout})`, EXIT_USAGE);
        }
        return await testCommand(io, dir, {
          kind: rest[0],
          name: rest[1],
          props: values.props,
          account: values.account,
          state: values.state,
          message: values.message,
          request: values.request,
          peek: values.peek,
          allowHost: values['allow-host'],
          allowPrivateNetwork: values['allow-private-network'],
          timeoutMs,
        });
      }
      case 'publish':
        return await publishCommand(io, dir, { registry: values.registry, token: values.token });
    }
    return EXIT_USAGE;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}
