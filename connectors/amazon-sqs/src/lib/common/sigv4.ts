/**
 * AWS Signature Version 4 for one HTTP request, in plain ECMAScript so it runs inside the
 * sandbox: no Node `crypto`, no `crypto.subtle`, no `TextEncoder` (the isolate has only
 * ECMAScript globals). Hashing is @noble/hashes (audited, dependency-free, bundles for a
 * neutral platform); test/sigv4.spec.ts checks the result against the AWS SDK's own signer.
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { parseUrl } from './url';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SigV4Options {
  service: string;
  region: string;
  credentials: SigV4Credentials;
  /** Signing time; default now. */
  date?: Date;
}

/** UTF-8 bytes of a string. `encodeURIComponent` does the UTF-8 encoding; unescape turns its %XX back into bytes. */
export function utf8(text: string): Uint8Array {
  const binary = unescape(encodeURIComponent(text));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Returns the request's headers plus `host`, `x-amz-date`, `x-amz-content-sha256`,
 * `x-amz-security-token` (temporary credentials) and `authorization`. The `host` entry is only
 * signed: the HTTP client sends the same value itself, so it is left out of the returned headers.
 */
export function signRequest(request: SigV4Request, options: SigV4Options): Record<string, string> {
  const url = parseUrl(request.url);
  if (!url) throw new Error(`Cannot sign ${JSON.stringify(request.url)}: not an http(s) URL`);
  const time = amzDate(options.date ?? new Date());
  const day = time.slice(0, 8);
  const payloadHash = bytesToHex(sha256(utf8(request.body)));

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers['x-amz-date'] = time;
  headers['x-amz-content-sha256'] = payloadHash;
  if (options.credentials.sessionToken) headers['x-amz-security-token'] = options.credentials.sessionToken;
  const signed: Record<string, string> = { ...headers, host: url.host };

  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((name) => `${name}:${signed[name].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  // Non-S3 services encode each path segment twice (the URL's own encoding, then SigV4's).
  const canonicalPath = url.pathname.split('/').map(uriEncode).join('/');
  const query = url.query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [request.method.toUpperCase(), canonicalPath, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');

  const scope = `${day}/${options.region}/${options.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', time, scope, bytesToHex(sha256(utf8(canonicalRequest)))].join('\n');
  let key = hmac(sha256, utf8(`AWS4${options.credentials.secretAccessKey}`), utf8(day));
  for (const part of [options.region, options.service, 'aws4_request']) key = hmac(sha256, key, utf8(part));
  const signature = bytesToHex(hmac(sha256, key, utf8(stringToSign)));

  headers.authorization = `AWS4-HMAC-SHA256 Credential=${options.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
