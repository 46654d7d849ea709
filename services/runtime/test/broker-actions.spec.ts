// Issue 5, the built-in broker actions as flow steps: the real connectors/rabbitmq and
// connectors/kafka packages, built with `flowport connector build`, published, installed and used
// by flows created through the API. Publish to Exchange reaches the machine's RabbitMQ and Produce
// Message(s) our Kafka wire-protocol TEST broker (connectors/kafka/testing; no Kafka broker is
// available as a package) through the runtime's HostCapabilities (ctx.amqp, ctx.kafka). Both live
// on 127.0.0.1, so the platform allows private networks here
// (FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK); the guard's refusals are the connectors' own tests.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TestApp } from '@flowport/core';
import { buildConnectorPackage } from '@flowport/testing';
import * as amqp from 'amqplib';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import { AMQP_URL } from './support/brokers';
import { Api, createRuntimeApp } from './support/platform';

// Building two connectors with the CLI.
jest.setTimeout(60_000);

const CONNECTORS = join(__dirname, '..', '..', '..', 'connectors');

describe('broker actions in flows: RabbitMQ Publish to Exchange, Kafka Produce Message(s)', () => {
  let t: TestApp;
  let api: Api;
  let kafka: TestBroker;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const versions: Record<string, string> = {};
  const cleanup: Array<() => Promise<unknown>> = [];

  const install = async (name: 'rabbitmq' | 'kafka') => {
    const built = await buildConnectorPackage(join(CONNECTORS, name));
    await api.post('/api/v1/registry/connectors', { manifest: built.manifest, bundle: built.code, integrity: built.integrity }).expect(201);
    await api.post('/api/v1/installs', { connector: name, version: built.manifest.version }).expect(201);
    versions[name] = built.manifest.version as string;
  };
  const createAccount = async (connector: string, values: Record<string, unknown>) =>
    (await api.post('/api/v1/accounts', { connector, name: `${connector}-${randomBytes(3).toString('hex')}`, values }).expect(201)).body.id as string;
  const runManual = async (flowId: string, input: unknown) => api.waitForRun((await api.post(`/api/v1/flows/${flowId}/runs`, { input }).expect(202)).body.runId);

  beforeAll(async () => {
    [t, kafka, connection] = await Promise.all([
      createRuntimeApp({}, { FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK: 'true' }),
      startTestBroker(),
      amqp.connect(AMQP_URL),
    ]);
    channel = await connection.createChannel();
    api = new Api(t);
    await Promise.all([install('rabbitmq'), install('kafka')]);
  }, 120_000);
  afterAll(async () => {
    for (const step of cleanup) await step().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await t?.close();
    await kafka?.close();
  });

  it('a flow step publishes the run input to an exchange with headers and a message id; an unroutable one fails the step naming the fix', async () => {
    const exchange = `flowport-rt-x-${randomBytes(4).toString('hex')}`;
    const queue = `flowport-rt-q-${randomBytes(4).toString('hex')}`;
    await channel.assertExchange(exchange, 'topic', { durable: false });
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, exchange, 'orders.*');
    cleanup.push(() => channel.deleteQueue(queue), () => channel.deleteExchange(exchange));
    const account = await createAccount('rabbitmq', { host: '127.0.0.1', port: 5672, vhost: '/', username: 'guest', password: 'guest' });
    const step = (routingKey: string) => ({
      name: 'publish',
      type: 'action',
      connector: 'rabbitmq',
      version: versions.rabbitmq,
      action: 'publish-to-exchange',
      account,
      inputs: { exchange, routingKey, message: '{{ trigger.input }}', messageId: '{{ trigger.input.orderId }}', headers: { source: 'flowport', flow: 'orders' } },
    });

    const flow = await api.createFlow({ name: 'publish orders', trigger: { type: 'manual' }, steps: [step('orders.created')] });
    const run = await runManual(flow.id, { orderId: 'A-7', total: 12.5 });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]).toMatchObject({ status: 'succeeded', output: { confirmed: true, exchange, routingKey: 'orders.created', messageId: 'A-7' } });
    const message = await channel.get(queue, { noAck: true });
    if (!message) throw new Error('the published message is not on the queue');
    expect(JSON.parse(message.content.toString())).toEqual({ orderId: 'A-7', total: 12.5 });
    expect(message.properties).toMatchObject({ messageId: 'A-7', contentType: 'application/json', deliveryMode: 2, headers: { source: 'flowport', flow: 'orders' } });

    const unroutable = await api.createFlow({ name: 'publish nowhere', trigger: { type: 'manual' }, steps: [step('invoices.created')] });
    const failed = await runManual(unroutable.id, { orderId: 'A-8' });
    expect(failed.status).toBe('failed');
    expect(failed.steps[0].status).toBe('failed');
    expect(failed.steps[0].error).toContain(
      `AmqpPublishError: No queue took the message to exchange "${exchange}" with routing key "invoices.created" (312 NO_ROUTE): bind a queue to the exchange with a matching key, fix the routing key, or turn Mandatory off`,
    );
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
  });

  it('a flow step produces the run input to a Kafka topic with a key and headers (Kafka wire-protocol test broker)', async () => {
    const topic = `orders-${randomBytes(4).toString('hex')}`;
    kafka.createTopic(topic, 2);
    const account = await createAccount('kafka', { brokers: kafka.brokers.join(','), authentication: 'none' });
    const flow = await api.createFlow({
      name: 'produce orders',
      trigger: { type: 'manual' },
      steps: [
        {
          name: 'produce',
          type: 'action',
          connector: 'kafka',
          version: versions.kafka,
          action: 'produce-messages',
          account,
          inputs: { topic, value: '{{ trigger.input }}', key: '{{ trigger.input.customer }}', headers: { source: 'flowport' }, partition: 1 },
        },
      ],
    });
    const run = await runManual(flow.id, { orderId: 'K-1', customer: 'c-42' });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0].output).toEqual({ topic, partitions: [{ partition: 1, baseOffset: '0', count: 1 }], messages: [{ partition: 1, offset: '0' }] });
    const [record] = kafka.messages(topic, 1);
    expect(record.key?.toString()).toBe('c-42');
    expect(JSON.parse(record.value!.toString())).toEqual({ orderId: 'K-1', customer: 'c-42' });
    expect(String(record.headers.source)).toBe('flowport');
  });
});
