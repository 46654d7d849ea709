/**
 * The parts of a URL that signing needs. The sandbox has only ECMAScript globals, so there is
 * no WHATWG `URL`; this follows its normalisation where it matters for SigV4 (lower-case host,
 * default port dropped, `+` in the query is a space), since the HTTP client sends that host.
 */
export interface UrlParts {
  protocol: 'http:' | 'https:';
  /** host[:port], as the Host header carries it. */
  host: string;
  pathname: string;
  query: [string, string][];
}

const URL_PATTERN = /^(https?):\/\/([^/?#@\s]+)([^?#\s]*)(?:\?([^#\s]*))?(?:#\S*)?$/i;

export function parseUrl(url: string): UrlParts | undefined {
  const match = URL_PATTERN.exec(url.trim());
  if (!match) return undefined;
  const protocol = `${match[1].toLowerCase()}:` as UrlParts['protocol'];
  let host = match[2].toLowerCase();
  if ((protocol === 'http:' && host.endsWith(':80')) || (protocol === 'https:' && host.endsWith(':443'))) host = host.slice(0, host.lastIndexOf(':'));
  const query: [string, string][] = [];
  for (const pair of (match[4] ?? '').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    query.push(at < 0 ? [decode(pair), ''] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))]);
  }
  return { protocol, host, pathname: match[3] || '/', query };
}
