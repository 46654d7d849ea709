import type { GuestContext } from '@flowport/connector-sdk';

export interface ApiAccount {
  baseUrl: string;
  apiKey: string;
}

/** GET a JSON resource; the sandbox only allows hosts listed in the manifest's allowedHosts. */
export async function apiGet<T = unknown>(ctx: GuestContext, account: ApiAccount, path: string): Promise<T> {
  const url = `${account.baseUrl.replace(/\/$/, '')}${path}`;
  const res = await ctx.http.fetch(url, { headers: { authorization: `Bearer ${account.apiKey}`, accept: 'application/json' } });
  if (res.status === 401 || res.status === 403) throw new Error(`The API key was refused (HTTP ${res.status}): check the account`);
  if (res.status < 200 || res.status >= 300) throw new Error(`GET ${path} failed with HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as T;
}
