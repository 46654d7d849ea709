import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream';
import { Logger } from '@nestjs/common';
import { UPSTREAM_ROLES, type FlowportConfig, type PlatformRole, type UpstreamRole } from '@flowport/core';

/** Which role serves a request path (the longest-matching rule wins; first match here). */
const ROUTES: Array<{ role: UpstreamRole; match: RegExp }> = [
  // The runtime's run routes live under /api/v1/flows/{id}/... but belong to the runtime.
  { role: 'runtime', match: /^\/api\/v1\/flows\/[^/]+\/(runs|test|resync)(\/|$)/ },
  { role: 'runtime', match: /^\/(api\/v1\/(runs|events)|hooks)(\/|$)/ },
  { role: 'flows', match: /^\/api\/v1\/flows(\/|$)/ },
  { role: 'registry', match: /^\/api\/v1\/(registry|studio)(\/|$)/ },
  { role: 'store', match: /^\/api\/v1\/(store|installs|accounts)(\/|$)/ },
];

export function roleForPath(path: string): UpstreamRole | null {
  return ROUTES.find((r) => r.match.test(path))?.role ?? null;
}

/**
 * Safe methods: every GET and HEAD route of the platform only reads, so one that failed after it
 * was sent (before any response) may be sent again to another process. Other methods are sent
 * again only when they never reached a process.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GatewayOptions {
  /** How long an upstream that refused a connection is skipped; doubles with each refusal in a row. */
  downMs?: number;
  /** Longest skip of an upstream that keeps refusing. */
  maxDownMs?: number;
  /** A connection not established within this is a refusal (the request never reached the process). */
  connectTimeoutMs?: number;
  /** GET /ready: how long each upstream's /health may take. */
  probeTimeoutMs?: number;
}

const DEFAULTS: Required<GatewayOptions> = { downMs: 1000, maxDownMs: 15_000, connectTimeoutMs: 3000, probeTimeoutMs: 1500 };

/** One process of a role, with what the gateway has seen of it (passive health). */
class Upstream {
  /** Connection refusals in a row; 0 while it answers. */
  failures = 0;
  downUntil = 0;
  lastError: string | null = null;
  requests = 0;

  constructor(readonly origin: string) {}

  isDown(now: number): boolean {
    return this.downUntil > now;
  }

  refused(error: string, now: number, options: Required<GatewayOptions>): number {
    this.failures += 1;
    this.lastError = error;
    const downMs = Math.min(options.downMs * 2 ** (this.failures - 1), options.maxDownMs);
    this.downUntil = now + downMs;
    return downMs;
  }

  answered(): void {
    this.failures = 0;
    this.downUntil = 0;
  }
}

/** The processes of one role, taken in turn (round robin over those not skipped). */
class UpstreamPool {
  private cursor = 0;

  constructor(
    readonly role: UpstreamRole,
    readonly upstreams: Upstream[],
  ) {}

  get variable(): string {
    return `FLOWPORT_${this.role.toUpperCase()}_URL`;
  }

  /**
   * The upstreams one request may try, in order: the next in turn that is not skipped first,
   * then the other usable ones, then the skipped ones, soonest back first. A request never fails
   * without trying every upstream: the skip only orders them.
   */
  order(now: number): Upstream[] {
    const n = this.upstreams.length;
    const rotated = this.upstreams.map((_, i) => this.upstreams[(this.cursor + i) % n]);
    const usable = rotated.filter((u) => !u.isDown(now));
    const skipped = rotated.filter((u) => u.isDown(now)).sort((a, b) => a.downUntil - b.downUntil);
    if (usable.length > 0) this.cursor = (this.upstreams.indexOf(usable[0]) + 1) % n;
    else this.cursor = (this.cursor + 1) % n;
    return [...usable, ...skipped];
  }
}

/** What GET /ready of an api process shows for each upstream. */
export type UpstreamStatus = {
  url: string;
  /** `up`: it answered the last request or probe; `down`: it refused (or did not answer the probe). */
  state: 'up' | 'down';
  /** HTTP status of its /health during this probe. */
  health?: number;
  error?: string;
  /** Until when requests go to the other upstreams first (after refused connections). */
  skippedUntil?: string;
  refusalsInARow: number;
  requests: number;
};

type Req = http.IncomingMessage & { path?: string; originalUrl?: string };

/**
 * The api role's gateway: requests for a role this process does not run are streamed
 * unchanged (method, headers, body bytes, so webhook signatures still verify) to a process
 * that runs it, named by FLOWPORT_<ROLE>_URL (one URL or a list of replicas). Requests take the
 * replicas in turn; one that refuses the connection is skipped for a short, growing back-off and
 * the request goes to the next. A request that reached a process is never sent again unless it
 * is a bodiless GET/HEAD/OPTIONS: a POST may have been processed. Roles running here are served
 * locally. A role that runs nowhere known answers 503 naming the variable to set.
 */
export class Gateway {
  private readonly logger = new Logger('Gateway');
  private readonly options: Required<GatewayOptions>;
  private readonly pools = new Map<UpstreamRole, UpstreamPool>();
  // Idle connections close 1 s before the upstream's announced keep-alive timeout (Node honours
  // the `Keep-Alive: timeout=5` hint below the agent's timeout), so a request is rarely written
  // on a connection the upstream is closing: such a request counts as sent.
  private readonly agents = { http: new http.Agent({ keepAlive: true, timeout: 4000 }), https: new https.Agent({ keepAlive: true, timeout: 4000 }) };

  constructor(
    config: FlowportConfig,
    private readonly localRoles: PlatformRole[],
    options: GatewayOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    for (const role of UPSTREAM_ROLES) {
      const origins = config.upstreams[role];
      if (!localRoles.includes(role) && origins && origins.length > 0) this.pools.set(role, new UpstreamPool(role, origins.map((o) => new Upstream(o))));
    }
  }

  /** Express middleware; must run before the body parser (bodies are streamed, not parsed). */
  readonly handle = (req: Req, res: http.ServerResponse, next: () => void): void => {
    const url = req.originalUrl ?? req.url ?? '/';
    const role = roleForPath(url.split('?')[0]);
    if (!role || this.localRoles.includes(role)) return next();
    const pool = this.pools.get(role);
    if (!pool) {
      const variable = `FLOWPORT_${role.toUpperCase()}_URL`;
      return sendError(res, 503, 'ROLE_UNAVAILABLE', `No ${role} process is configured: run this process with the ${role} role or set ${variable} to a ${role} process (or a comma list of them)`, []);
    }
    this.forward(pool, req, res, url);
  };

  /** Roles this gateway forwards, each with its upstreams as the gateway last saw them. */
  status(now = Date.now()): Partial<Record<UpstreamRole, UpstreamStatus[]>> {
    const out: Partial<Record<UpstreamRole, UpstreamStatus[]>> = {};
    for (const [role, pool] of this.pools) out[role] = pool.upstreams.map((u) => this.describe(u, now));
    return out;
  }

  /**
   * Asks every upstream's /health (in parallel, bounded by probeTimeoutMs) and reports each one.
   * A process that answers, whatever its status, is up again for requests; one that refuses the
   * connection is skipped like after a refused request.
   */
  async probe(): Promise<Partial<Record<UpstreamRole, UpstreamStatus[]>>> {
    const out: Partial<Record<UpstreamRole, UpstreamStatus[]>> = {};
    await Promise.all(
      [...this.pools].map(async ([role, pool]) => {
        out[role] = await Promise.all(
          pool.upstreams.map(async (upstream) => {
            const result = await this.healthOf(upstream);
            const now = Date.now();
            if ('status' in result) upstream.answered();
            else if (!result.reached) upstream.refused(result.error, now, this.options);
            const status = this.describe(upstream, now);
            return 'status' in result ? { ...status, state: 'up' as const, health: result.status } : { ...status, state: 'down' as const, error: result.error };
          }),
        );
      }),
    );
    return out;
  }

  /** Closes idle upstream connections (on shutdown). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private describe(u: Upstream, now: number): UpstreamStatus {
    const down = u.isDown(now);
    return {
      url: u.origin,
      state: down ? 'down' : 'up',
      ...(u.lastError && u.failures > 0 ? { error: u.lastError } : {}),
      ...(down ? { skippedUntil: new Date(u.downUntil).toISOString() } : {}),
      refusalsInARow: u.failures,
      requests: u.requests,
    };
  }

  private forward(pool: UpstreamPool, req: Req, res: http.ServerResponse, url: string): void {
    const order = pool.order(Date.now());
    const method = req.method ?? 'GET';
    const hasBody = requestHasBody(req);
    // A bodiless safe request can be sent again after a failure that came before any response.
    const resendable = !hasBody && SAFE_METHODS.has(method);
    const failures: Array<{ path: string; message: string }> = [];
    let current: http.ClientRequest | null = null;
    let settled = false;
    let bodyStarted = false;

    // The caller went away: stop the upstream request (its failure is not the upstream's fault).
    res.once('close', () => {
      if (!res.writableFinished) {
        settled = true;
        current?.destroy();
      }
    });

    const attempt = (index: number): void => {
      const upstream = order[index];
      const target = new URL(url, `${upstream.origin}/`);
      const secure = target.protocol === 'https:';
      const headers = { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': req.headers.host ?? '' };
      upstream.requests += 1;
      let reached = false;
      const proxied = (secure ? https : http).request(target, { method, headers, agent: secure ? this.agents.https : this.agents.http });
      current = proxied;
      const connectTimer = setTimeout(() => proxied.destroy(Object.assign(new Error(`no connection within ${this.options.connectTimeoutMs} ms`), { code: 'ECONNECTTIMEOUT' })), this.options.connectTimeoutMs);
      const onReached = () => {
        reached = true;
        clearTimeout(connectTimer);
        // The body is read from the caller only once a process holds the connection, so a
        // refused attempt consumed none of it and the next upstream gets it whole, unbuffered.
        if (hasBody && !bodyStarted) {
          bodyStarted = true;
          req.pipe(proxied);
        }
      };
      proxied.once('socket', (socket) => {
        if (proxied.reusedSocket || (!secure && !socket.connecting)) return onReached();
        socket.once(secure ? 'secureConnect' : 'connect', onReached);
      });
      if (!hasBody) proxied.end();

      proxied.once('response', (upstreamRes) => {
        upstream.answered();
        if (settled) return upstreamRes.destroy();
        settled = true;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        // A failure mid-body cuts the caller's response too (its status is already sent).
        pipeline(upstreamRes, res, () => undefined);
      });

      proxied.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(connectTimer);
        if (settled) return;
        const message = errorText(error);
        failures.push({ path: upstream.origin, message });
        if (!reached) {
          const downMs = upstream.refused(message, Date.now(), this.options);
          this.logger.warn({ msg: 'Upstream refused the connection; the request goes to the next one', role: pool.role, upstream: upstream.origin, error: message, skippedForMs: downMs });
        } else if (!resendable) {
          settled = true;
          return sendError(
            res,
            502,
            'UPSTREAM_UNREACHABLE',
            `The ${pool.role} process at ${upstream.origin} failed after the ${method} request was sent (${message}); it was not sent to another ${pool.role} process because it may have been processed`,
            failures,
          );
        }
        if (index + 1 < order.length) return attempt(index + 1);
        settled = true;
        const where = order.length === 1 ? `The ${pool.role} process at ${upstream.origin}` : `None of the ${order.length} ${pool.role} processes of ${pool.variable}`;
        sendError(res, 502, 'UPSTREAM_UNREACHABLE', `${where} answered (${failures.map((f) => `${f.path}: ${f.message}`).join('; ')}); check that ${order.length === 1 ? 'it runs' : 'they run'} and ${pool.variable}`, failures);
      });
    };
    attempt(0);
  }

  private healthOf(upstream: Upstream): Promise<{ status: number } | { error: string; reached: boolean }> {
    return new Promise((resolve) => {
      const target = new URL('/health', `${upstream.origin}/`);
      const secure = target.protocol === 'https:';
      let reached = false;
      const probe = (secure ? https : http).get(target, { agent: secure ? this.agents.https : this.agents.http }, (res) => {
        res.resume();
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0 });
      });
      probe.once('socket', (socket) => {
        if (probe.reusedSocket || (!secure && !socket.connecting)) reached = true;
        else socket.once(secure ? 'secureConnect' : 'connect', () => (reached = true));
      });
      const timer = setTimeout(() => probe.destroy(Object.assign(new Error(`no answer within ${this.options.probeTimeoutMs} ms`), { code: 'ETIMEDOUT' })), this.options.probeTimeoutMs);
      probe.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ error: errorText(error), reached });
      });
    });
  }
}

/** Builds the gateway of an api process (see Gateway). */
export function createGateway(config: FlowportConfig, localRoles: PlatformRole[], options: GatewayOptions = {}): Gateway {
  return new Gateway(config, localRoles, options);
}

/** `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:4001`: the code and the first cause (Node's connect to several addresses fails with an AggregateError without message). */
function errorText(error: NodeJS.ErrnoException): string {
  const first = error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as NodeJS.ErrnoException) : error;
  const message = first.message || error.message;
  const code = error.code ?? first.code;
  return code && !message.includes(code) ? `${code}${message ? ` ${message}` : ''}` : message;
}

/** Whether the caller sends a body (content-length above 0 or a chunked body). */
function requestHasBody(req: http.IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string, details: Array<{ path: string; message: string }>): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, details } }));
}
