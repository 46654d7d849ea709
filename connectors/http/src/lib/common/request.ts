import type { GuestContext, JsonValue } from '@flowport/connector-sdk';
import { base64Utf8, formEncode, isHttpUrl, withQuery } from './encoding';

/** The account fields requests read (the account's value type, kept here to avoid an import cycle). */
export interface HttpAuth {
  authType: 'none' | 'bearer' | 'basic' | 'apiKey';
  token?: string;
  username?: string;
  password?: string;
  apiKeyHeader: string;
  apiKey?: string;
}

export type BodyType = 'none' | 'json' | 'form' | 'raw';

export interface RequestSpec {
  method: string;
  url: string;
  headers?: JsonValue;
  query?: JsonValue;
  bodyType?: BodyType;
  body?: JsonValue;
}

export interface ResponseOut {
  status: number;
  headers: Record<string, string>;
  body: JsonValue;
}

function objectOf(value: JsonValue | undefined, what: string): Record<string, JsonValue> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be an object like { "name": "value" } (got ${Array.isArray(value) ? 'a list' : typeof value})`);
  return value;
}

/** Headers the account adds. A header the request sets itself wins (same name, any case). */
function authHeaders(auth: HttpAuth | undefined): Record<string, string> {
  switch (auth?.authType) {
    case 'bearer':
      if (!auth.token) throw new Error('The account uses a bearer token but has none; fill in Bearer Token');
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      if (!auth.username) throw new Error('The account uses basic auth but has no User; fill it in');
      return { authorization: `Basic ${base64Utf8(`${auth.username}:${auth.password ?? ''}`)}` };
    case 'apiKey':
      if (!auth.apiKey) throw new Error('The account uses an API key header but has no API Key; fill it in');
      return { [auth.apiKeyHeader.toLowerCase()]: auth.apiKey };
    default:
      return {};
  }
}

export function parseResponseBody(headers: Record<string, string>, text: string): JsonValue {
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (/[/+]json\b/.test(type) || (type === '' && /^\s*[[{]/.test(text))) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return text;
}

export async function sendRequest(ctx: Pick<GuestContext, 'http'>, auth: HttpAuth | undefined, spec: RequestSpec): Promise<ResponseOut> {
  if (!isHttpUrl(spec.url)) throw new Error(`URL must start with http:// or https:// (got ${JSON.stringify(spec.url)})`);
  const url = withQuery(spec.url, objectOf(spec.query, 'Query'));
  const headers: Record<string, string> = authHeaders(auth);
  for (const [name, value] of Object.entries(objectOf(spec.headers, 'Headers') ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  let body: string | undefined;
  const bodyType = spec.bodyType ?? 'none';
  if (bodyType !== 'none' && spec.body !== undefined && spec.body !== null) {
    if (spec.method === 'GET' || spec.method === 'HEAD') throw new Error(`A ${spec.method} request cannot have a body; set Body Type to None or use POST`);
    if (bodyType === 'json') {
      body = JSON.stringify(spec.body);
      headers['content-type'] ??= 'application/json';
    } else if (bodyType === 'form') {
      body = formEncode(objectOf(spec.body, 'A form body') ?? {});
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else {
      body = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    }
  }
  const res = await ctx.http.fetch(url, { method: spec.method, headers, body });
  return { status: res.status, headers: res.headers, body: parseResponseBody(res.headers, res.body) };
}

export function httpError(method: string, url: string, res: ResponseOut): Error {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  return new Error(`HTTP ${res.status} from ${method} ${url}: ${text.slice(0, 500)}${text.length > 500 ? '...' : ''}`);
}
