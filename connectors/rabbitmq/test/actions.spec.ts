import type { ConnectorManifest } from '@flowport/connector-sdk';
import { AmqpCapabilities } from '@flowport/runtime';
import { SandboxPool, type CallCapabilities } from '@flowport/sandbox';
import { buildConnectorPackage, type BuiltConnector } from '@flowport/testing';
import * as amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

jest.setTimeout(60_000);

const manifestOf = (built: BuiltConnector) => built.manifest as unknown as ConnectorManifest;

const account = { host: '127.0.0.1', port: 5672, vhost: '/', username: 'guest', password: 'guest', tls: false };

/**
 * Publish to Exchange and Send to Queue as the runtime runs them: the built bundle in the real
 * sandbox, `ctx.amqp` served by the runtime's AmqpCapabilities (amqplib, confirm channels), the
 * machine's RabbitMQ as the broker; what arrived is read back with a separate amqplib client.
 */
describe('RabbitMQ actions (sandbox + runtime amqp capability, RabbitMQ)', () => {
  let pool: SandboxPool;
  let built: BuiltConnector;
  let capability: AmqpCapabilities;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const queues: string[] = [];
  const exchanges: string[] = [];

  beforeAll(async () => {
    [built, connection] = await Promise.all([buildConnectorPackage(join(__dirname, '..')), amqp.connect('amqp://guest:guest@127.0.0.1:5672')]);
    channel = await connection.createChannel();
    pool = new SandboxPool({ timeoutMs: 15_000 });
    // RabbitMQ is on 127.0.0.1: private networks are granted explicitly, as an operator would for a broker on its own network.
    capability = new AmqpCapabilities({ allowPrivateNetwork: true });
  });
  afterAll(async () => {
    for (const q of queues) await channel?.deleteQueue(q).catch(() => undefined);
    for (const x of exchanges) await channel?.deleteExchange(x).catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await capability?.close();
    await pool?.close();
  });

  const unique = (prefix: string) => `flowport-rmq-${prefix}-${randomBytes(4).toString('hex')}`;

  async function call(target: string, props: Record<string, unknown>, capabilities: CallCapabilities = { amqp: capability }, acct: Record<string, unknown> = account) {
    return pool.call({ bundle: { code: built.code, integrity: built.integrity }, op: 'action.run', target, input: { props, account: acct }, capabilities });
  }
  async function run(target: string, props: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await call(target, props);
    if (!result.ok) throw new Error(`${target}: ${result.error.name}: ${result.error.message}`);
    return result.output as Record<string, unknown>;
  }
  async function failure(target: string, props: Record<string, unknown>, capabilities?: CallCapabilities, acct?: Record<string, unknown>): Promise<string> {
    const result = await call(target, props, capabilities, acct);
    if (result.ok) throw new Error(`${target} succeeded, expected a failure: ${JSON.stringify(result.output)}`);
    return `${result.error.name}: ${result.error.message}`;
  }
  async function boundQueue(pattern: string): Promise<{ exchange: string; queue: string }> {
    const exchange = unique('x');
    const queue = unique('q');
    exchanges.push(exchange);
    queues.push(queue);
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, exchange, pattern);
    return { exchange, queue };
  }
  async function take(queue: string): Promise<amqp.GetMessage> {
    const message = await channel.get(queue, { noAck: true });
    if (!message) throw new Error(`queue ${queue} is empty`);
    return message;
  }

  it('declares both actions and the amqp capability', () => {
    expect(manifestOf(built).capabilities).toEqual(['amqp', 'log']);
    expect(manifestOf(built).actions.map((a) => [a.name, a.displayName])).toEqual([
      ['publish-to-exchange', 'Publish to Exchange'],
      ['send-to-queue', 'Send to Queue'],
    ]);
    const publish = manifestOf(built).actions[0];
    expect(publish.props.required).toEqual(['exchange', 'message']);
    expect(publish.sampleOutput).toEqual({ confirmed: true, exchange: 'orders', routingKey: 'orders.created', messageId: 'A-1001' });
  });

  it('Publish to Exchange: a JSON message with headers and properties arrives on the bound queue, after the broker confirmed it', async () => {
    const { exchange, queue } = await boundQueue('orders.*');
    const out = await run('publish-to-exchange', {
      exchange,
      routingKey: 'orders.created',
      message: { orderId: 'A-1', total: 42.5 },
      headers: { source: 'shop', attempt: 2, replay: false },
      messageId: 'A-1',
      correlationId: 'corr-7',
      priority: 5,
      expiration: 60_000,
      type: 'order.created',
      appId: 'flowport-test',
    });
    expect(out).toEqual({ confirmed: true, exchange, routingKey: 'orders.created', messageId: 'A-1' });

    const message = await take(queue);
    expect(JSON.parse(message.content.toString('utf8'))).toEqual({ orderId: 'A-1', total: 42.5 });
    expect(message.fields).toMatchObject({ exchange, routingKey: 'orders.created' });
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: 'A-1',
      correlationId: 'corr-7',
      priority: 5,
      expiration: '60000',
      type: 'order.created',
      appId: 'flowport-test',
      headers: { source: 'shop', attempt: 2, replay: false },
    });
    expect(message.properties.timestamp).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('Publish to Exchange: text is sent as text/plain, Persistent off is delivery mode 1, Content Type overrides', async () => {
    const { exchange, queue } = await boundQueue('#');
    await run('publish-to-exchange', { exchange, routingKey: 'a.b', message: 'plain words', persistent: false });
    await run('publish-to-exchange', { exchange, routingKey: 'a.b', message: '<order id="1"/>', contentType: 'application/xml' });
    const first = await take(queue);
    expect(first.content.toString('utf8')).toBe('plain words');
    expect(first.properties).toMatchObject({ contentType: 'text/plain', deliveryMode: 1 });
    expect((await take(queue)).properties).toMatchObject({ contentType: 'application/xml', deliveryMode: 2 });
  });

  it('Publish to Exchange: an unroutable message fails when Mandatory (the default) and is dropped when not', async () => {
    const { exchange, queue } = await boundQueue('orders.*');
    expect(await failure('publish-to-exchange', { exchange, routingKey: 'invoices.created', message: { n: 1 } })).toBe(
      `AmqpPublishError: No queue took the message to exchange "${exchange}" with routing key "invoices.created" (312 NO_ROUTE): bind a queue to the exchange with a matching key, fix the routing key, or turn Mandatory off to let unroutable messages be dropped`,
    );
    expect(await run('publish-to-exchange', { exchange, routingKey: 'invoices.created', message: { n: 2 }, mandatory: false })).toMatchObject({ confirmed: true });
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('Publish to Exchange: a missing exchange is refused clearly, and the next publish on the same connection works', async () => {
    const missing = unique('missing');
    expect(await failure('publish-to-exchange', { exchange: missing, routingKey: 'k', message: 'x' })).toBe(
      `AmqpPublishError: RabbitMQ refused the message to exchange "${missing}" with routing key "k": 404 (NOT-FOUND) with message "NOT_FOUND - no exchange '${missing}' in vhost '/'"; declare exchange "${missing}" first or fix Exchange`,
    );
    const { exchange, queue } = await boundQueue('#');
    await run('publish-to-exchange', { exchange, routingKey: 'k', message: 'after' });
    expect((await take(queue)).content.toString()).toBe('after');
    expect(capability.openConnections).toBe(1);
  });

  it('Send to Queue: to an existing queue, to a queue it declares, and a missing queue fails instead of losing the message', async () => {
    const existing = unique('q');
    queues.push(existing);
    await channel.assertQueue(existing, { durable: false });
    expect(await run('send-to-queue', { queue: existing, message: { orderId: 'B-1' }, messageId: 'B-1' })).toEqual({ confirmed: true, exchange: '', routingKey: existing, messageId: 'B-1' });
    const got = await take(existing);
    expect(JSON.parse(got.content.toString())).toEqual({ orderId: 'B-1' });
    expect(got.properties).toMatchObject({ messageId: 'B-1', deliveryMode: 2, contentType: 'application/json' });

    const declared = unique('declared');
    queues.push(declared);
    expect(await run('send-to-queue', { queue: declared, declareQueue: true, message: 'first' })).toMatchObject({ confirmed: true, routingKey: declared });
    const info = await channel.checkQueue(declared);
    expect(info.messageCount).toBe(1);

    const missing = unique('nowhere');
    expect(await failure('send-to-queue', { queue: missing, message: 'lost?' })).toContain(`AmqpPublishError: No queue took the message to queue "${missing}" (312 NO_ROUTE)`);
  });

  it('Send to Queue: declaring a queue that exists with other settings is refused naming the fix', async () => {
    const transient = unique('transient');
    queues.push(transient);
    await channel.assertQueue(transient, { durable: false });
    expect(await failure('send-to-queue', { queue: transient, declareQueue: true, message: 'x' })).toMatch(
      new RegExp(`^AmqpPublishError: Could not declare queue "${transient}": .*PRECONDITION_FAILED.*; an existing queue must have the same settings \\(durable\\), or turn Declare Queue off$`),
    );
  });

  it('many concurrent steps share one connection and a few confirm channels; every message arrives once', async () => {
    const { exchange, queue } = await boundQueue('bulk.#');
    const outputs = await Promise.all(Array.from({ length: 24 }, (_, i) => run('publish-to-exchange', { exchange, routingKey: `bulk.${i}`, message: { i }, messageId: `bulk-${i}` })));
    expect(outputs.every((o) => o.confirmed === true)).toBe(true);
    expect((await channel.checkQueue(queue)).messageCount).toBe(24);
    const seen: number[] = [];
    for (let i = 0; i < 24; i++) seen.push((JSON.parse((await take(queue)).content.toString()) as { i: number }).i);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(capability.openConnections).toBe(1);
  });

  it('refuses the loopback broker when private networks are not allowed, before any connection', async () => {
    const strict = new AmqpCapabilities();
    try {
      const { exchange } = await boundQueue('#');
      expect(await failure('publish-to-exchange', { exchange, message: 'x' }, { amqp: strict })).toBe(
        'NetworkGuardError: RabbitMQ host "127.0.0.1" is a private or internal address, which connectors may not reach; use a public broker address (loopback address; an operator can allow private networks with FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK=true)',
      );
      expect(await failure('send-to-queue', { queue: 'q', message: 'x' }, { amqp: strict }, { url: 'amqp://guest:guest@localhost:5672/%2F' })).toContain(
        'RabbitMQ host "localhost" is a private or internal address',
      );
      expect(strict.openConnections).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('names what is missing: no amqp grant, a bad account, wrong credentials', async () => {
    expect(await failure('send-to-queue', { queue: 'q', message: 'x' }, {})).toBe(
      'Error: This call has no AMQP capability (ctx.amqp): the platform holds the RabbitMQ connection for this connector; check that the runtime grants "amqp"',
    );
    expect(await failure('send-to-queue', { queue: 'q', message: 'x' }, undefined, {})).toBe('Error: The account needs a Connection URL or a Host; fill in one of them');
    expect(await failure('send-to-queue', { queue: 'q', message: 'x' }, undefined, { ...account, password: 'wrong' })).toMatch(
      /^AmqpPublishError: Could not connect to RabbitMQ at amqp:\/\/127\.0\.0\.1:5672: .*ACCESS_REFUSED.*\. Check the host, port, virtual host, user and password in the account\.$/,
    );
  });
});
