/** The account fields the URL is built from (the account's value type, kept here to avoid an import cycle). */
export interface RabbitmqAccount {
  url?: string;
  host?: string;
  port?: number;
  vhost: string;
  username: string;
  password?: string;
  tls: boolean;
}

/** amqp(s)://user:password@host:port/vhost from the account: its URL, or the fields. */
export function connectionUrl(account: RabbitmqAccount): string {
  const url = account.url?.trim();
  if (url) {
    if (!/^amqps?:\/\/[^/\s]+/i.test(url)) {
      throw new Error('Connection URL must look like amqp://user:password@host:5672/vhost (or amqps:// for TLS); fix it in the account');
    }
    return url;
  }
  const host = account.host?.trim();
  if (!host) throw new Error('The account needs a Connection URL or a Host; fill in one of them');
  const port = account.port ?? (account.tls ? 5671 : 5672);
  const auth = `${encodeURIComponent(account.username)}:${encodeURIComponent(account.password ?? '')}@`;
  // The default vhost "/" is written %2F in an AMQP URI (an empty path would also mean "/").
  return `${account.tls ? 'amqps' : 'amqp'}://${auth}${host}:${port}/${encodeURIComponent(account.vhost || '/')}`;
}
