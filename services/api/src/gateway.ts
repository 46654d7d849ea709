import * as http from 'node:http';
import * as https from 'node:https';
import type { FlowportConfig, PlatformRole, UpstreamRole } from '@flowport/core';

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

type Req = http.IncomingMessage & { path?: string; originalUrl?: string };

/**
 * The api role's gateway: requests for a role this process does not run are streamed
 * unchanged (method, headers, body bytes, so webhook signatures still verify) to the process
 * that runs it, named by FLOWPORT_<ROLE>_URL. Roles running here are served locally. A role
 * that runs nowhere known answers 503 naming the variable to set.
 */
export function createGateway(config: FlowportConfig, localRoles: PlatformRole[]) {
  return (req: Req, res: http.ServerResponse, next: () => void): void => {
    const url = req.originalUrl ?? req.url ?? '/';
    const role = roleForPath(url.split('?')[0]);
    if (!role || localRoles.includes(role)) return next();
    const upstream = config.upstreams[role];
    if (!upstream) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'ROLE_UNAVAILABLE', message: `No ${role} process is configured: run this process with the ${role} role or set FLOWPORT_${role.toUpperCase()}_URL to a ${role} process`, details: [] } }));
      return;
    }
    const target = new URL(url, `${upstream}/`);
    const headers = { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-host': req.headers.host ?? '' };
    const client = target.protocol === 'https:' ? https : http;
    const proxied = client.request(target, { method: req.method, headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    proxied.on('error', (error) => {
      if (res.headersSent) return res.destroy(error);
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UPSTREAM_UNREACHABLE', message: `The ${role} process at ${upstream} did not answer (${error.message}); check that it runs and FLOWPORT_${role.toUpperCase()}_URL`, details: [] } }));
    });
    req.pipe(proxied);
  };
}
