import * as path from 'node:path';

/**
 * The roles a process can run; `all` expands to every role. `api` is the public HTTP front:
 * the studio, and a gateway that forwards the routes of roles this process does not run to
 * the processes that do (FLOWPORT_<ROLE>_URL).
 */
export const PLATFORM_ROLES = ['api', 'registry', 'store', 'flows', 'runtime'] as const;
/** Roles whose routes the api role forwards when they run elsewhere. */
export const UPSTREAM_ROLES = ['registry', 'store', 'flows', 'runtime'] as const;
export type UpstreamRole = (typeof UPSTREAM_ROLES)[number];
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface FlowportConfig {
  port: number;
  host: string;
  /** External PostgreSQL; when null the platform starts embedded PostgreSQL in `home`. */
  databaseUrl: string | null;
  home: string;
  embeddedPostgresPort: number;
  roles: PlatformRole[];
  /** Raw `FLOWPORT_SECRET_KEYS`; null in embedded mode means "generate and keep one in home". */
  secretKeys: string | null;
  maxBundleBytes: number;
  logLevel: LogLevel;
  studioDir: string | null;
  /** Lets connector HTTP reach private addresses (loopback, RFC 1918): for local development only. */
  sandboxAllowPrivateNetwork: boolean;
  /** Print the default workspace's owner key on first start (set false in tests). */
  printBootstrapKey: boolean;
  /** RabbitMQ for the @nestjs/microservices transport between processes; null = in-process (embedded). */
  rabbitmqUrl: string | null;
  /** RabbitMQ queue that carries run wake-ups between runtime replicas. */
  runEventsQueue: string;
  /** SIGTERM: how long in-flight runs and batches get before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Build and publish the built-in connectors (connectors/*) on start. */
  seedConnectors: boolean;
  /**
   * Where the api role forwards the routes of roles it does not run itself (FLOWPORT_REGISTRY_URL,
   * ...): each role's processes as origins (`http://runtime-1:3000`), one or more, in the order
   * given; the gateway spreads requests over them.
   */
  upstreams: Partial<Record<UpstreamRole, string[]>>;
}

/**
 * Every environment variable loadConfig reads, for docs and deployment checks
 * (docs/operations.md and docker-compose.yml are tested against this list).
 */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'PORT', default: '3000', meaning: 'HTTP port, integer 0-65535 (0 = any free port)' },
  { name: 'HOST', default: '0.0.0.0', meaning: 'Address the HTTP server binds' },
  { name: 'DATABASE_URL', default: 'unset', meaning: 'postgres:// URL of an external PostgreSQL; unset = embedded PostgreSQL in FLOWPORT_HOME/pg' },
  { name: 'FLOWPORT_HOME', default: './.flowport', meaning: 'Data folder of embedded mode (PostgreSQL data, generated account key)' },
  { name: 'FLOWPORT_EMBEDDED_PG_PORT', default: '54329', meaning: 'Port of embedded PostgreSQL (127.0.0.1 only), 1024-65535' },
  { name: 'FLOWPORT_ROLES', default: 'all', meaning: '`all` or a comma list of api, registry, store, flows, runtime; `--role=` wins' },
  { name: 'FLOWPORT_SECRET_KEYS', default: 'generated (embedded)', meaning: 'Account encryption keys, newest first: `v2:<base64 32 bytes>,v1:...`; required with DATABASE_URL' },
  { name: 'FLOWPORT_MAX_BUNDLE_BYTES', default: '5242880', meaning: 'Largest connector bundle the registry accepts, 1 KB-100 MB' },
  { name: 'FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK', default: 'false', meaning: 'Let connector HTTP reach loopback/private addresses (development, compose networks)' },
  { name: 'FLOWPORT_STUDIO_DIR', default: 'studio-ui/dist/browser', meaning: 'Built studio served at / when it holds index.html' },
  { name: 'FLOWPORT_PRINT_BOOTSTRAP_KEY', default: 'true', meaning: 'Print the first owner key on first start' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace (JSON lines on stdout)' },
  { name: 'RABBITMQ_URL', default: 'unset', meaning: 'amqp:// URL: @nestjs/microservices transport between processes (run wake-ups); unset = in-process' },
  { name: 'FLOWPORT_RUN_EVENTS_QUEUE', default: 'flowport.runtime.runs', meaning: 'RabbitMQ queue carrying run wake-ups between runtime replicas' },
  { name: 'FLOWPORT_SHUTDOWN_TIMEOUT_MS', default: '25000', meaning: 'SIGTERM: time for in-flight batches and runs before exiting anyway (exit 1), 100-600000' },
  { name: 'FLOWPORT_SEED_CONNECTORS', default: 'true', meaning: 'Build, publish and install connectors/* on start (processes with the store role)' },
  { name: 'FLOWPORT_REGISTRY_URL', default: 'unset', meaning: 'api role: base URL of a registry process, or a comma list of several, for /api/v1/registry/* and /api/v1/studio/*' },
  { name: 'FLOWPORT_STORE_URL', default: 'unset', meaning: 'api role: base URL of a store process, or a comma list of several, for /api/v1/store|installs|accounts/*' },
  { name: 'FLOWPORT_FLOWS_URL', default: 'unset', meaning: 'api role: base URL of a flows process, or a comma list of several, for /api/v1/flows/*' },
  { name: 'FLOWPORT_RUNTIME_URL', default: 'unset', meaning: 'api role: base URL of a runtime process, or a comma list of replicas (`http://runtime-1:3000,http://runtime-2:3000`), for /api/v1/runs, /api/v1/events, /api/v1/flows/{id}/runs|test|resync, /hooks/*' },
];

/** A bad environment variable: the message names it and what it accepts. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be one of true, false (got "${env[name]}")`);
  return fallback;
}

function oneOf<T extends string>(env: Env, name: string, accepted: readonly T[], fallback: T, problems: string[]): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase() as T;
  if (!accepted.includes(value)) {
    problems.push(`${name} must be one of ${accepted.join(', ')} (got "${raw}")`);
    return fallback;
  }
  return value;
}

/** Parses `all` or a comma list of roles; `--role=` on the command line wins over FLOWPORT_ROLES. */
export function parseRoles(raw: string | undefined, source: string, problems: string[]): PlatformRole[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...PLATFORM_ROLES];
  const roles: PlatformRole[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part === 'all') return [...PLATFORM_ROLES];
    if (!(PLATFORM_ROLES as readonly string[]).includes(part)) {
      problems.push(`${source} must be "all" or a comma list of ${PLATFORM_ROLES.join(', ')} (got "${part}")`);
      continue;
    }
    if (!roles.includes(part as PlatformRole)) roles.push(part as PlatformRole);
  }
  return roles;
}

/**
 * FLOWPORT_<ROLE>_URL: one base URL or a comma list of them (replicas of the role). Each entry
 * must be an http(s) origin: a path would be ignored (requests keep their own path), and
 * credentials would replace the caller's Authorization header, so both are refused.
 */
function upstreamUrls(env: Env, role: UpstreamRole, problems: string[]): string[] | undefined {
  const name = `FLOWPORT_${role.toUpperCase()}_URL`;
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const accepted = `${name} must be the http:// or https:// base URL of a ${role} process, or a comma list of them (e.g. http://${role}-1:3000,http://${role}-2:3000)`;
  const urls: string[] = [];
  for (const [index, part] of raw.split(',').entries()) {
    const checked = upstreamEntry(part.trim(), raw, urls);
    if (typeof checked === 'string') urls.push(checked);
    else problems.push(`${accepted}: entry ${index + 1} ${checked.problem}`);
  }
  return urls.length > 0 ? urls : undefined;
}

/** One entry of an upstream list: its origin, or what is wrong with it. */
function upstreamEntry(entry: string, raw: string, earlier: string[]): string | { problem: string } {
  if (entry === '') return { problem: `is empty (got "${raw.replace(/\/\/[^@/,]*@/g, '//***@')}")` };
  const shown = entry.replace(/\/\/[^@/]*@/, '//***@');
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { problem: `is not a URL (got "${shown}")` };
  }
  const credentials = url.username !== '' || url.password !== '';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `is not http:// or https:// (got "${shown}")` };
  if (!url.hostname) return { problem: `has no host (got "${shown}")` };
  if (credentials) return { problem: `must not carry a user or password (got "${shown}")` };
  if (url.pathname !== '/' || url.search || url.hash) return { problem: `must be a base URL without a path, query or fragment (got "${shown}")` };
  if (earlier.includes(url.origin)) return { problem: `repeats ${url.origin}` };
  return url.origin;
}

/**
 * Reads and validates every variable at once so a broken deployment reports all its problems
 * in one start attempt. Throws ConfigError; never returns a half-valid config.
 */
export function loadConfig(env: Env = process.env, argv: string[] = process.argv.slice(2)): FlowportConfig {
  const problems: string[] = [];
  const roleArg = argv.find((a) => a.startsWith('--role=') || a.startsWith('--roles='));
  const roles = roleArg
    ? parseRoles(roleArg.slice(roleArg.indexOf('=') + 1), '--role', problems)
    : parseRoles(env.FLOWPORT_ROLES, 'FLOWPORT_ROLES', problems);

  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be a postgres:// or postgresql:// URL (got "${databaseUrl.replace(/:[^:@/]*@/, ':***@')}")`);
  }

  const secretKeys = env.FLOWPORT_SECRET_KEYS?.trim() || null;
  if (!secretKeys && databaseUrl) {
    problems.push(
      'FLOWPORT_SECRET_KEYS is required with DATABASE_URL: a comma list of <version>:<base64 of 32 random bytes>, newest first ' +
        '(generate one with: node -e "console.log(\'v1:\'+require(\'crypto\').randomBytes(32).toString(\'base64\'))")',
    );
  }


  const rabbitmqUrl = env.RABBITMQ_URL?.trim() || null;
  if (rabbitmqUrl && !/^amqps?:\/\//.test(rabbitmqUrl)) {
    problems.push(`RABBITMQ_URL must be an amqp:// or amqps:// URL (got "${rabbitmqUrl.replace(/:[^:@/]*@/, ':***@')}")`);
  }
  const upstreams: Partial<Record<UpstreamRole, string[]>> = {};
  for (const role of UPSTREAM_ROLES) {
    const urls = upstreamUrls(env, role, problems);
    if (urls) upstreams[role] = urls;
  }

  const config: FlowportConfig = {
    port: integer(env, 'PORT', 3000, 0, 65535, problems),
    host: env.HOST?.trim() || '0.0.0.0',
    databaseUrl,
    home: path.resolve(env.FLOWPORT_HOME?.trim() || path.join(process.cwd(), '.flowport')),
    embeddedPostgresPort: integer(env, 'FLOWPORT_EMBEDDED_PG_PORT', 54329, 1024, 65535, problems),
    roles,
    secretKeys,
    maxBundleBytes: integer(env, 'FLOWPORT_MAX_BUNDLE_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024, problems),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info', problems),
    studioDir: env.FLOWPORT_STUDIO_DIR?.trim() || null,
    sandboxAllowPrivateNetwork: boolean(env, 'FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK', false, problems),
    printBootstrapKey: boolean(env, 'FLOWPORT_PRINT_BOOTSTRAP_KEY', true, problems),
    rabbitmqUrl,
    runEventsQueue: env.FLOWPORT_RUN_EVENTS_QUEUE?.trim() || 'flowport.runtime.runs',
    shutdownTimeoutMs: integer(env, 'FLOWPORT_SHUTDOWN_TIMEOUT_MS', 25_000, 100, 600_000, problems),
    seedConnectors: boolean(env, 'FLOWPORT_SEED_CONNECTORS', true, problems),
    upstreams,
  };
  if (roles.length === 0 && problems.length === 0) problems.push('FLOWPORT_ROLES must name at least one role');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Injection token for the FlowportConfig object. */
export const FLOWPORT_CONFIG = Symbol('FLOWPORT_CONFIG');
