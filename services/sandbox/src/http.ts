import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { SandboxError } from './errors';
import { AddressPolicy, isHostAllowed, isIpLiteral, isMetadataHostname, normalizeHostname } from './http-guard';

export interface GuestHttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface GuestHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpPolicy {
  allowedHosts: readonly string[];
  allowPrivateNetwork: boolean;
}

export interface GuardedHttpOptions {
  timeoutMs: number;
  responseLimitBytes: number;
  requestBodyLimitBytes: number;
  maxRedirects: number;
  allowedPrivateAddresses: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Errors refused by policy; the guest sees `{ name: 'HttpBlockedError', message }`. */
function blocked(message: string): SandboxError {
  return new SandboxError('HttpBlockedError', message);
}

/**
 * The host side of `ctx.http.fetch`. Every hop (the first request and each redirect) is checked
 * against the call's allowedHosts and, for IP literals, the address policy; hostnames are
 * resolved inside the connection's own `lookup`, so the address that was checked is the address
 * the socket connects to (no window for DNS rebinding between check and connect).
 */
export class GuardedHttp {
  private readonly agents = new Map<boolean, { agent: Agent; policy: AddressPolicy }>();
  /** undici pulls in tls, http2 and zlib; loaded on the first fetch so pools that never fetch start faster. */
  private undici: typeof import('undici') | null = null;

  constructor(private readonly options: GuardedHttpOptions) {}

  private agentFor(allowPrivateNetwork: boolean): { agent: Agent; policy: AddressPolicy } {
    const { Agent } = this.undici!;
    let entry = this.agents.get(allowPrivateNetwork);
    if (!entry) {
      const policy = new AddressPolicy({ allowPrivateNetwork, allowedPrivateAddresses: this.options.allowedPrivateAddresses });
      // Separate agents per policy: a keep-alive socket opened for a call that may reach private
      // networks must never be reused by a call that may not.
      const agent = new Agent({ connect: { lookup: pinnedLookup(policy) }, connections: 64 });
      entry = { agent, policy };
      this.agents.set(allowPrivateNetwork, entry);
    }
    return entry;
  }

  async fetch(rawUrl: unknown, rawInit: unknown, policy: HttpPolicy, signal: AbortSignal, deadline: number): Promise<GuestHttpResponse> {
    if (typeof rawUrl !== 'string') throw new SandboxError('TypeError', 'http.fetch(url): url must be a string');
    const init = validateInit(rawInit, this.options.requestBodyLimitBytes);
    this.undici ??= await import('undici');
    const { request } = this.undici;
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new SandboxError('TypeError', `http.fetch: "${rawUrl.slice(0, 200)}" is not an absolute URL`);
    }
    let method = init.method;
    let body = init.body;
    const headers = { ...init.headers };
    const { agent, policy: addressPolicy } = this.agentFor(policy.allowPrivateNetwork);
    const remaining = deadline - Date.now();
    const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remaining));
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const combined = AbortSignal.any([signal, timeoutSignal]);

    for (let hop = 0; ; hop++) {
      this.checkUrl(url, policy, addressPolicy, hop);
      let res;
      try {
        res = await request(url, { method: method as 'GET', headers, body, dispatcher: agent, signal: combined, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      } catch (err) {
        throw translateRequestError(err, url, timeoutSignal.aborted, timeoutMs, signal.aborted);
      }
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(res.statusCode) && typeof location === 'string') {
        await res.body.dump();
        if (hop >= this.options.maxRedirects) {
          throw blocked(`http.fetch to ${url.origin} was redirected more than ${this.options.maxRedirects} times; stopped following`);
        }
        const next = new URL(location, url);
        if (next.origin !== url.origin) {
          // Like browsers' fetch: credentials are not forwarded to another origin.
          for (const name of Object.keys(headers)) if (/^(authorization|cookie|proxy-authorization)$/i.test(name)) delete headers[name];
        }
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > this.options.responseLimitBytes) {
            res.body.destroy();
            throw new SandboxError('HttpResponseTooLargeError', `http.fetch: the response from ${url.origin} is larger than ${this.options.responseLimitBytes} bytes; request less data (paging, filters)`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof SandboxError) throw err;
        throw translateRequestError(err, url, timeoutSignal.aborted, timeoutMs, signal.aborted);
      }
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks).toString('utf8') };
    }
  }

  private checkUrl(url: URL, policy: HttpPolicy, addressPolicy: AddressPolicy, hop: number): void {
    const where = hop === 0 ? '' : ` (redirect hop ${hop})`;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw blocked(`http.fetch${where}: only http and https URLs are allowed, got ${url.protocol}`);
    }
    const host = normalizeHostname(url.hostname);
    if (isMetadataHostname(host)) throw blocked(`http.fetch${where} to ${host} refused: cloud metadata endpoint`);
    if (!isHostAllowed(host, policy.allowedHosts)) {
      const list = policy.allowedHosts.length ? policy.allowedHosts.join(', ') : 'none declared';
      // A call's hosts are the manifest's allowedHosts plus the host of each URL field that grants one (grantsHost).
      throw blocked(
        `http.fetch${where} to ${host} refused: the host is not in this connector's allowed hosts (${list}); add it to the connector's allowedHosts, or give it as the URL of an account or prop field that grants its host (grantsHost)`,
      );
    }
    if (isIpLiteral(host)) {
      const reason = addressPolicy.blockReason(host);
      if (reason) throw blocked(`http.fetch${where} to ${host} refused: ${reason}${privateHint(reason)}`);
    }
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map(({ agent }) => agent.close()));
  }
}

function privateHint(reason: string): string {
  return reason === 'cloud metadata endpoint' ? '' : '; private networks are reachable only when the call is granted allowPrivateNetwork';
}

/**
 * The DNS step of every connection: resolve, drop refused addresses, hand only the checked
 * ones to the socket. Node calls it with `all: true` when happy-eyeballs is on.
 */
function pinnedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => policy.blockReason(a.address) === null);
      if (allowed.length === 0) {
        const first = addresses[0];
        const reason = first ? policy.blockReason(first.address) ?? 'no address' : 'no address';
        const error = blocked(`http.fetch to ${hostname} refused: it resolves to ${first?.address ?? 'nothing'} (${reason})${privateHint(reason)}`);
        return callback(error as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

function translateRequestError(err: unknown, url: URL, timedOut: boolean, timeoutMs: number, callEnded: boolean): SandboxError {
  const blockedError = findBlocked(err);
  if (blockedError) return blockedError;
  if (timedOut) return new SandboxError('HttpTimeoutError', `http.fetch to ${url.origin} timed out after ${timeoutMs} ms`);
  if (callEnded) return new SandboxError('HttpAbortedError', `http.fetch to ${url.origin} was aborted because the connector call ended`);
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code;
  return new SandboxError('HttpRequestError', `http.fetch to ${url.origin} failed: ${message}${code ? ` (${code})` : ''}`);
}

/** undici may wrap the connect error; the policy error is found on the cause chain. */
function findBlocked(err: unknown): SandboxError | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof SandboxError && e.name === 'HttpBlockedError') return e;
  }
  return null;
}

function validateInit(raw: unknown, bodyLimit: number): { method: string; headers: Record<string, string>; body: string | undefined } {
  if (raw === null || raw === undefined) return { method: 'GET', headers: {}, body: undefined };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SandboxError('TypeError', 'http.fetch(url, init): init must be an object { method?, headers?, body? }');
  const { method = 'GET', headers = {}, body } = raw as Record<string, unknown>;
  if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
    throw new SandboxError('TypeError', `http.fetch: method must be one of ${[...METHODS].join(', ')}; got ${JSON.stringify(method)}`);
  }
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) throw new SandboxError('TypeError', 'http.fetch: headers must be an object of string values');
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new SandboxError('TypeError', `http.fetch: header "${k}" must be a string, got ${typeof v}`);
    clean[k] = v;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') throw new SandboxError('TypeError', 'http.fetch: body must be a string (JSON.stringify objects first)');
  if (typeof body === 'string' && Buffer.byteLength(body) > bodyLimit) throw new SandboxError('HttpRequestTooLargeError', `http.fetch: request body is over ${bodyLimit} bytes`);
  return { method: method.toUpperCase(), headers: clean, body: body ?? undefined };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
