/**
 * Text helpers the sandbox lacks: it has only ECMAScript globals (no URL, URLSearchParams,
 * btoa or TextEncoder), so these are written out here.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of the UTF-8 bytes of `text` (as Basic auth wants it). */
export function base64Utf8(text: string): string {
  // encodeURIComponent does the UTF-8 encoding; unescape turns its %XX escapes back into bytes.
  const bin = unescape(encodeURIComponent(text));
  let out = '';
  for (let i = 0; i < bin.length; i += 3) {
    const a = bin.charCodeAt(i);
    const b = i + 1 < bin.length ? bin.charCodeAt(i + 1) : NaN;
    const c = i + 2 < bin.length ? bin.charCodeAt(i + 2) : NaN;
    out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | ((b || 0) >> 4)];
    out += Number.isNaN(b) ? '=' : BASE64[((b & 15) << 2) | ((c || 0) >> 6)];
    out += Number.isNaN(c) ? '=' : BASE64[c & 63];
  }
  return out;
}

/** application/x-www-form-urlencoded, as URLSearchParams writes it (space = +). */
export function formEncode(values: Record<string, unknown>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const v of list) parts.push(`${enc(key)}=${enc(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))}`);
  }
  return parts.join('&');
}

/** `url` with `query` appended (after any query it already has, before a #fragment). */
export function withQuery(url: string, query: Record<string, unknown> | undefined): string {
  if (!query) return url;
  const encoded = formEncode(query);
  if (!encoded) return url;
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  return `${base}${base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?'}${encoded}${fragment}`;
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^/?#\s]+/i.test(url);
}
