/**
 * The host side of the sandbox's `amqp` capability (`ctx.amqp.publish(request)`) on RabbitMQ
 * with amqplib. Connector code builds the connection URL from its account (as its
 * `trigger.config` does for the `amqp` driver) and never sees a socket: the runtime keeps one
 * connection per URL (a small LRU, idle ones closed), a few confirm channels per connection, and
 * answers once the broker has confirmed the message.
 *
 * Each publish holds a confirm channel of its own until the confirm arrives, so a `basic.return`
 * (an unroutable mandatory message, sent by RabbitMQ before its ack) or a channel error is
 * known to belong to that publish. A channel that failed or timed out is closed, never reused.
 */
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import * as amqp from 'amqplib';
import type { AmqpPublishRequest, AmqpPublishResult } from '@flowport/connector-sdk';
import type { AmqpCapability, HostCallInfo } from '@flowport/sandbox';
import { NetworkGuard, type NetworkGuardOptions } from './network-guard';
import { withDeadline } from './deadline';

export type AmqpCapabilityOptions = NetworkGuardOptions & {
  /** Longest a publish may take, connecting included; the connector call's deadline caps it too. Default 10 000 ms. */
  timeoutMs?: number;
  /** TCP connect timeout. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Largest message body. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Connections kept open (one per URL); the least recently used is closed beyond this. Default 20. */
  maxConnections?: number;
  /** Publishes in flight at once per connection, each on its own confirm channel. Default 4. */
  channelsPerConnection?: number;
  /** A connection unused this long is closed. Default 60 000 ms. */
  idleTimeoutMs?: number;
};

/** A publish that failed: refused, unroutable, not confirmed, or not possible with these settings. */
export class AmqpPublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmqpPublishError';
  }
}

type Target = { url: string; host: string; port: number; tls: boolean; display: string };

type Entry = { promise: Promise<Connection>; connection?: Connection };

type Connection = {
  key: string;
  target: Target;
  model: amqp.ChannelModel;
  idle: amqp.ConfirmChannel[];
  /** Channels open or opening (idle + leased). */
  channels: number;
  leased: number;
  waiters: Array<{ resolve: (channel: amqp.ConfirmChannel) => void; reject: (error: Error) => void }>;
  lastUsed: number;
  /** Evicted or broken: no new leases; closed when the last lease returns. */
  retiring: boolean;
  closed: boolean;
};

const MiB = 1024 * 1024;
const GUARDED = { service: 'RabbitMQ host', fix: 'use a public broker address' };

/** Masks the password of an AMQP URL for messages. */
export function maskAmqpUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function target(rawUrl: string): Target {
  const text = rawUrl.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AmqpPublishError('Connection URL must look like amqp://user:password@host:5672/vhost (or amqps:// for TLS); fix it in the account');
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') {
    throw new AmqpPublishError(`Connection URL must start with amqp:// or amqps:// (got ${url.protocol}//); fix it in the account`);
  }
  if (!url.hostname) throw new AmqpPublishError('Connection URL has no host; fix it in the account');
  const tls = url.protocol === 'amqps:';
  const port = url.port ? Number(url.port) : tls ? 5671 : 5672;
  const vhost = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '/';
  return { url: text, host: url.hostname.replace(/^\[|\]$/g, ''), port, tls, display: `${url.protocol}//${url.host}${vhost === '/' ? '' : `/${vhost}`}` };
}

/** The body and its content type: text as UTF-8, anything else as JSON. */
function encodeContent(content: AmqpPublishRequest['content']): { body: Buffer; contentType: string } {
  if (typeof content === 'string') return { body: Buffer.from(content, 'utf8'), contentType: 'text/plain' };
  return { body: Buffer.from(JSON.stringify(content === undefined ? null : content), 'utf8'), contentType: 'application/json' };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One per runtime process; pass it as `CallCapabilities.amqp` to calls granted `amqp`. */
export class AmqpCapabilities implements AmqpCapability {
  private readonly connections = new Map<string, Entry>();
  private readonly guard: NetworkGuard;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly maxConnections: number;
  private readonly channelsPerConnection: number;
  private readonly idleTimeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: AmqpCapabilityOptions = {}) {
    this.guard = new NetworkGuard(options);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.maxMessageBytes = options.maxMessageBytes ?? MiB;
    this.maxConnections = options.maxConnections ?? 20;
    this.channelsPerConnection = options.channelsPerConnection ?? 4;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(this.idleTimeoutMs, 30_000));
    this.sweeper.unref();
  }

  /** Connections open now (for tests and metrics). */
  get openConnections(): number {
    return this.connections.size;
  }

  async publish(request: AmqpPublishRequest, call: HostCallInfo): Promise<AmqpPublishResult> {
    if (this.closed) throw new AmqpPublishError('The RabbitMQ capability is closed (the runtime is shutting down)');
    const to = target(request.url);
    const { body, contentType } = encodeContent(request.content);
    if (body.length > this.maxMessageBytes) {
      throw new AmqpPublishError(`Message is ${body.length} bytes, over the ${this.maxMessageBytes} byte limit; send less (store large payloads elsewhere and publish a reference)`);
    }
    const queue = request.queue;
    const exchange = queue !== undefined ? '' : (request.exchange ?? '');
    const routingKey = queue !== undefined ? queue : (request.routingKey ?? '');
    if (queue === undefined && exchange === '' && routingKey === '') {
      throw new AmqpPublishError('Routing Key is required with the default exchange (""): it names the queue; or use Send to Queue');
    }
    const p = request.properties ?? {};
    const options: amqp.Options.Publish = {
      mandatory: request.mandatory ?? true,
      persistent: p.persistent ?? true,
      contentType: p.contentType ?? contentType,
      timestamp: Math.floor(Date.now() / 1000),
    };
    if (p.headers) options.headers = p.headers;
    if (p.messageId !== undefined) options.messageId = p.messageId;
    if (p.correlationId !== undefined) options.correlationId = p.correlationId;
    if (p.expiration !== undefined) options.expiration = String(p.expiration);
    if (p.priority !== undefined) options.priority = p.priority;
    if (p.type !== undefined) options.type = p.type;
    if (p.appId !== undefined) options.appId = p.appId;
    if (p.replyTo !== undefined) options.replyTo = p.replyTo;

    const deadline = Math.min(Date.now() + this.timeoutMs, call.deadline);
    const budget = Math.max(0, deadline - Date.now());
    const late = (what: string) => new AmqpPublishError(`${what} within ${budget} ms; check that RabbitMQ at ${to.display} is reachable and not blocked (memory or disk alarm)`);
    const connection = await withDeadline(this.connectionFor(to), deadline, () => late('Could not connect to RabbitMQ'));
    const channel = await withDeadline(this.lease(connection), deadline, () => late('No RabbitMQ channel was free'), (lateChannel) => this.giveBack(connection, lateChannel, true));
    let healthy = false;
    try {
      if (queue !== undefined && request.assertQueue) {
        await withDeadline(
          channel.assertQueue(queue, { durable: true }).catch((error: unknown) => {
            throw new AmqpPublishError(`Could not declare queue "${queue}": ${errorText(error)}; an existing queue must have the same settings (durable), or turn Declare Queue off`);
          }),
          deadline,
          () => late(`RabbitMQ did not declare queue "${queue}"`),
        );
      }
      await withDeadline(this.confirmedPublish(channel, exchange, routingKey, body, options, to), deadline, () => late('RabbitMQ did not confirm the message'));
      healthy = true;
    } finally {
      this.giveBack(connection, channel, healthy);
    }
    return { confirmed: true, exchange, routingKey, messageId: p.messageId ?? null };
  }

  /** Closes every connection; later publishes fail. Also run by NestJS when its module is destroyed. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const entries = [...this.connections.values()];
    this.connections.clear();
    // A connection still being opened is shut when it opens; waiting for it could take connectTimeoutMs.
    for (const entry of entries) if (!entry.connection) void entry.promise.then((c) => this.shut(c), () => undefined);
    await Promise.all(entries.map((entry) => this.shut(entry.connection)));
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private confirmedPublish(channel: amqp.ConfirmChannel, exchange: string, routingKey: string, body: Buffer, options: amqp.Options.Publish, to: Target): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let returned: amqp.Message | null = null;
      let channelError: Error | null = null;
      const onReturn = (message: amqp.Message) => (returned = message);
      const onError = (error: Error) => (channelError = error);
      const done = () => {
        channel.off('return', onReturn);
        channel.off('error', onError);
      };
      channel.on('return', onReturn);
      channel.on('error', onError);
      const where = exchange === '' ? `queue "${routingKey}"` : `exchange "${exchange}" with routing key "${routingKey}"`;
      try {
        channel.publish(exchange, routingKey, body, options, (error: unknown) => {
          done();
          if (channelError) {
            return reject(new AmqpPublishError(`RabbitMQ refused the message to ${where}: ${channelError.message.replace(/^Channel closed by server: /, '')}${hintFor(channelError, exchange)}`));
          }
          if (error) {
            return reject(
              new AmqpPublishError(
                errorText(error) === 'message nacked'
                  ? `RabbitMQ nacked the message to ${where} (it could not store it); it was not stored, publish it again`
                  : `The connection to RabbitMQ ended before the message to ${where} was confirmed (${errorText(error)}); it may or may not have been stored`,
              ),
            );
          }
          if (returned) {
            const fields = returned.fields as unknown as { replyCode?: number; replyText?: string };
            return reject(
              new AmqpPublishError(
                `No queue took the message to ${where} (${fields.replyCode ?? 312} ${fields.replyText ?? 'NO_ROUTE'}): bind a queue to the exchange with a matching key, fix the routing key, or turn Mandatory off to let unroutable messages be dropped`,
              ),
            );
          }
          resolve();
        });
      } catch (error) {
        done();
        reject(new AmqpPublishError(`Could not publish to ${where} on ${to.display}: ${errorText(error)}`));
      }
    });
  }

  private connectionFor(to: Target): Promise<Connection> {
    if (this.closed) return Promise.reject(new AmqpPublishError('The RabbitMQ capability is closed (the runtime is shutting down)'));
    const key = createHash('sha256').update(to.url).digest('hex');
    const known = this.connections.get(key);
    if (known) {
      // Most recently used last, so eviction takes the oldest.
      this.connections.delete(key);
      this.connections.set(key, known);
      return known.promise;
    }
    const entry: Entry = { promise: this.open(key, to) };
    entry.promise.then(
      (connection) => (entry.connection = connection),
      () => this.connections.get(key) === entry && this.connections.delete(key),
    );
    this.connections.set(key, entry);
    while (this.connections.size > this.maxConnections) {
      const [oldestKey, oldest] = this.connections.entries().next().value!;
      this.connections.delete(oldestKey);
      void oldest.promise.then((c) => this.retire(c), () => undefined);
    }
    return entry.promise;
  }

  private async open(key: string, to: Target): Promise<Connection> {
    const [address] = await this.guard.resolve(to.host, GUARDED);
    // The checked address is the connected one (no second DNS answer); TLS still verifies the name.
    const pinned: LookupFunction = (_host, opts, callback) => (opts.all ? callback(null, [address]) : callback(null, address.address, address.family));
    let model: amqp.ChannelModel;
    try {
      model = await amqp.connect(to.url, { timeout: this.connectTimeoutMs, lookup: pinned, clientProperties: { connection_name: 'flowport-runtime:amqp-publish' } });
    } catch (error) {
      throw new AmqpPublishError(`Could not connect to RabbitMQ at ${maskAmqpUrl(to.display)}: ${errorText(error)}. Check the host, port, virtual host, user and password in the account.`);
    }
    const connection: Connection = { key, target: to, model, idle: [], channels: 0, leased: 0, waiters: [], lastUsed: Date.now(), retiring: false, closed: false };
    // A dropped connection is forgotten so the next publish reconnects; its in-flight publishes
    // fail through their channels' close.
    model.on('error', () => undefined);
    model.on('close', () => {
      connection.closed = true;
      connection.retiring = true;
      this.forget(connection);
      for (const waiter of connection.waiters.splice(0)) waiter.reject(new AmqpPublishError(`The RabbitMQ connection to ${to.display} closed; publish again`));
    });
    return connection;
  }

  private async lease(connection: Connection): Promise<amqp.ConfirmChannel> {
    connection.lastUsed = Date.now();
    if (connection.closed) throw new AmqpPublishError(`The RabbitMQ connection to ${connection.target.display} closed; publish again`);
    const idle = connection.idle.pop();
    if (idle) {
      connection.leased++;
      return idle;
    }
    if (connection.channels >= this.channelsPerConnection) {
      return new Promise<amqp.ConfirmChannel>((resolve, reject) => connection.waiters.push({ resolve, reject }));
    }
    connection.channels++;
    connection.leased++;
    try {
      const channel = await connection.model.createConfirmChannel();
      // Channel errors are read by the publish that caused them; this keeps an unheard one from crashing the process.
      channel.on('error', () => undefined);
      return channel;
    } catch (error) {
      connection.channels--;
      connection.leased--;
      throw new AmqpPublishError(`Could not open a RabbitMQ channel on ${connection.target.display}: ${errorText(error)}`);
    }
  }

  /** Returns a leased channel: healthy ones go to a waiter or the idle list, others are closed. */
  private giveBack(connection: Connection, channel: amqp.ConfirmChannel, healthy: boolean): void {
    connection.lastUsed = Date.now();
    if (healthy && !connection.closed) {
      const waiter = connection.waiters.shift();
      if (waiter) return waiter.resolve(channel);
    }
    connection.leased--;
    if (healthy && !connection.retiring) {
      connection.idle.push(channel);
      return;
    }
    connection.channels--;
    void channel.close().catch(() => undefined);
    if (connection.retiring && connection.leased === 0) {
      void this.shut(connection);
      return;
    }
    // A waiter left without a channel by a closed one gets a fresh channel.
    const waiter = connection.waiters.shift();
    if (waiter) this.lease(connection).then(waiter.resolve, waiter.reject);
  }

  private retire(connection: Connection): void {
    connection.retiring = true;
    this.forget(connection);
    if (connection.leased === 0) void this.shut(connection);
  }

  private forget(connection: Connection): void {
    if (this.connections.get(connection.key)?.connection === connection) this.connections.delete(connection.key);
  }

  private async shut(connection: Connection | undefined): Promise<void> {
    if (!connection || connection.closed) return;
    connection.closed = true;
    connection.retiring = true;
    for (const waiter of connection.waiters.splice(0)) waiter.reject(new AmqpPublishError('The RabbitMQ connection was closed'));
    connection.idle.length = 0;
    await connection.model.close().catch(() => undefined);
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const { connection } of [...this.connections.values()]) {
      if (connection && connection.leased === 0 && connection.lastUsed <= cutoff) this.retire(connection);
    }
  }
}

function hintFor(error: Error, exchange: string): string {
  const code = (error as Error & { code?: number }).code;
  if (code === 404) return exchange === '' ? '; check the queue name' : `; declare exchange "${exchange}" first or fix Exchange`;
  if (code === 403) return '; the account user may not write there (check its permissions in the virtual host)';
  if (code === 406) return '; the message does not fit the target (its settings or size limit)';
  return '';
}
