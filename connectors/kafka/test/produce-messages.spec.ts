import type { ConnectorManifest } from '@flowport/connector-sdk';
import { KafkaCapabilities } from '@flowport/runtime';
import { SandboxPool, type CallCapabilities } from '@flowport/sandbox';
import { buildConnectorPackage, waitFor, type BuiltConnector } from '@flowport/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startTestBroker, type TestBroker } from '../testing';

jest.setTimeout(60_000);

const manifestOf = (built: BuiltConnector) => built.manifest as unknown as ConnectorManifest;

type ProduceOutput = { topic: string; partitions: Array<{ partition: number; baseOffset: string; count: number }>; messages: Array<{ partition: number; offset: string }> };

/**
 * Produce Message(s) as the runtime runs it: the built bundle in the real sandbox, `ctx.kafka`
 * served by the runtime's KafkaCapabilities (kafkajs producer, acks = all). No Kafka broker is
 * available as a package here, so the cluster is our Kafka wire-protocol TEST broker
 * (connectors/kafka/testing); what was written is read from its record list and with a kafkajs consumer.
 */
describe('Produce Message(s) (sandbox + runtime kafka capability, Kafka wire-protocol test broker)', () => {
  let broker: TestBroker;
  let pool: SandboxPool;
  let built: BuiltConnector;
  let capability: KafkaCapabilities;
  let account: Record<string, unknown>;

  beforeAll(async () => {
    [broker, built] = await Promise.all([startTestBroker({ autoCreateTopics: true }), buildConnectorPackage(join(__dirname, '..'))]);
    pool = new SandboxPool({ timeoutMs: 20_000 });
    // The test broker listens on 127.0.0.1: private networks are granted explicitly, as an operator would for a cluster on its own network.
    capability = new KafkaCapabilities({ allowPrivateNetwork: true, timeoutMs: 8000 });
    account = { brokers: broker.brokers.join(','), clientId: 'flowport-test', authentication: 'none', tls: false };
  });
  afterAll(async () => {
    await capability?.close();
    await pool?.close();
    await broker?.close();
  });

  const topicNamed = (partitions: number) => {
    const topic = `orders-${randomBytes(4).toString('hex')}`;
    broker.createTopic(topic, partitions);
    return topic;
  };
  async function call(props: Record<string, unknown>, capabilities: CallCapabilities = { kafka: capability }, acct = account) {
    return pool.call({ bundle: { code: built.code, integrity: built.integrity }, op: 'action.run', target: 'produce-messages', input: { props, account: acct }, capabilities });
  }
  async function produce(props: Record<string, unknown>): Promise<ProduceOutput> {
    const result = await call(props);
    if (!result.ok) throw new Error(`produce-messages: ${result.error.name}: ${result.error.message}`);
    return result.output as ProduceOutput;
  }
  async function failure(props: Record<string, unknown>, capabilities?: CallCapabilities, acct?: Record<string, unknown>): Promise<string> {
    const result = await call(props, capabilities, acct);
    if (result.ok) throw new Error(`produce-messages succeeded, expected a failure: ${JSON.stringify(result.output)}`);
    return `${result.error.name}: ${result.error.message}`;
  }
  const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

  it('declares the action and the kafka capability', () => {
    expect(manifestOf(built).capabilities).toEqual(['kafka', 'log']);
    expect(manifestOf(built).actions.map((a) => [a.name, a.displayName])).toEqual([['produce-messages', 'Produce Message(s)']]);
    expect(manifestOf(built).actions[0].props.required).toEqual(['topic']);
  });

  it('writes one JSON message with key, headers and partition; the answer names its partition and offset', async () => {
    const topic = topicNamed(3);
    const out = await produce({ topic, value: { orderId: 'A-1', total: 42.5 }, key: 'customer-7', headers: { source: 'shop', attempt: 2 }, partition: 2 });
    expect(out).toEqual({ topic, partitions: [{ partition: 2, baseOffset: '0', count: 1 }], messages: [{ partition: 2, offset: '0' }] });
    const [record, ...rest] = broker.messages(topic, 2);
    expect(rest).toEqual([]);
    expect(text(record.key)).toBe('customer-7');
    expect(JSON.parse(text(record.value)!)).toEqual({ orderId: 'A-1', total: 42.5 });
    expect(Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, String(v)]))).toEqual({ source: 'shop', attempt: '2' });
    expect(broker.messages(topic).map((r) => r.partition)).toEqual([2]);
  });

  it('writes a list: keys pick partitions (murmur2, as the Java client), every reported offset holds that message', async () => {
    const topic = topicNamed(4);
    const messages = [
      ...Array.from({ length: 8 }, (_, i) => ({ key: `customer-${i % 3}`, value: { seq: i }, headers: { seq: String(i) } })),
      { value: 'plain text, no key' },
      { key: 'pinned', value: { seq: 9 }, partition: 1 },
    ];
    const out = await produce({ topic, messages });
    expect(out.topic).toBe(topic);
    expect(out.messages).toHaveLength(10);
    expect(out.partitions.reduce((n, p) => n + p.count, 0)).toBe(10);
    expect(out.messages[9].partition).toBe(1);
    // Same key, same partition.
    for (let i = 3; i < 8; i++) expect(out.messages[i].partition).toBe(out.messages[i - 3].partition);
    out.messages.forEach(({ partition, offset }, i) => {
      const record = broker.messages(topic, partition).find((r) => r.offset === Number(offset));
      expect(record).toBeDefined();
      expect(text(record!.key)).toBe(messages[i].key ?? null);
      const value = text(record!.value)!;
      expect(typeof messages[i].value === 'string' ? value : JSON.parse(value)).toEqual(messages[i].value);
    });
    for (const p of out.partitions) expect(broker.messages(topic, p.partition).filter((r) => r.offset >= Number(p.baseOffset))).toHaveLength(p.count);
    // Offsets keep counting on the next call.
    const again = await produce({ topic, value: 'next', partition: 1 });
    const before = out.partitions.find((p) => p.partition === 1)!;
    expect(again.messages).toEqual([{ partition: 1, offset: String(Number(before.baseOffset) + before.count) }]);
  });

  it('what it writes is read back by a kafkajs consumer with key, headers and value', async () => {
    const topic = topicNamed(1);
    await produce({ topic, messages: [{ key: 'k1', value: { n: 1 }, headers: { source: 'shop' } }, { key: 'k2', value: 'two' }] });
    const kafka = new Kafka({ clientId: 'flowport-test-reader', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
    const consumer: Consumer = kafka.consumer({ groupId: `reader-${topic}`, sessionTimeout: 3000, rebalanceTimeout: 3000, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    const read: Array<{ key: string | null; value: string | null; headers: Record<string, string> }> = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          read.push({ key: text(message.key), value: text(message.value), headers });
        },
      });
      await waitFor('2 messages read', () => read.length >= 2 || undefined, 20_000);
    } finally {
      await consumer.disconnect();
    }
    expect(read).toEqual([
      { key: 'k1', value: '{"n":1}', headers: { source: 'shop' } },
      { key: 'k2', value: 'two', headers: {} },
    ]);
  });

  it('reuses one producer for the same cluster and credentials', async () => {
    const topic = topicNamed(1);
    const before = capability.openProducers;
    await Promise.all(Array.from({ length: 6 }, (_, i) => produce({ topic, value: { i } })));
    expect(capability.openProducers).toBe(Math.max(before, 1));
    expect(broker.messages(topic)).toHaveLength(6);
  });

  it('refuses a topic that does not exist (topics are not created on first write) and a partition the topic lacks', async () => {
    const missing = `missing-${randomBytes(4).toString('hex')}`;
    expect(await failure({ topic: missing, value: 'x' })).toBe(
      `KafkaProduceError: Topic "${missing}" does not exist on the cluster; create it (topics are not created on first write) or fix Topic`,
    );
    expect(broker.topics()).not.toContain(missing);
    const topic = topicNamed(2);
    expect(await failure({ topic, value: 'x', partition: 5 })).toBe(
      `KafkaProduceError: Topic "${topic}" has no partition 5 (its partitions are 0-1); leave Partition empty or use an existing one`,
    );
    expect(broker.messages(topic)).toEqual([]);
  });

  it('applies GZIP compression (the test broker accepts no compression and says so)', async () => {
    const topic = topicNamed(1);
    expect(await failure({ topic, value: { big: 'x'.repeat(1000) }, compression: 'gzip' })).toBe(
      'KafkaProduceError: The Kafka cluster does not accept this compression (UNSUPPORTED_COMPRESSION_TYPE); set Compression to none',
    );
    expect(await produce({ topic, value: 'uncompressed', compression: 'none' })).toMatchObject({ messages: [{ partition: 0, offset: '0' }] });
  });

  it('refuses the loopback cluster when private networks are not allowed, before any connection', async () => {
    const strict = new KafkaCapabilities();
    try {
      expect(await failure({ topic: 'orders', value: 'x' }, { kafka: strict })).toBe(
        'KafkaProduceError: Kafka broker "127.0.0.1" is a private or internal address, which connectors may not reach; use the public address of the cluster (loopback address; an operator can allow private networks with FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK=true)',
      );
      expect(strict.openProducers).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('names what is wrong in the props, the account, or the grant', async () => {
    expect(await failure({ topic: 'orders' })).toBe('Error: Message or Messages is required: the value to write, or a list of messages');
    expect(await failure({ topic: 'orders', value: 'a', messages: [{ value: 'b' }] })).toBe('Error: Give Message (one message) or Messages (a list), not both');
    expect(await failure({ topic: 'bad topic!', value: 'a' })).toBe('Error: Topic "bad topic!" is not a Kafka topic name: use 1-249 letters, digits, ".", "_" or "-"');
    expect(await failure({ topic: 'orders', messages: [{ value: 'a' }, { key: 'k' }] })).toBe('Error: Messages[1].value is required');
    expect(await failure({ topic: 'orders', messages: [{ value: 'a', partiton: 1 }] })).toBe('Error: Messages[0].partiton is not a message field; use key, value, headers, partition');
    expect(await failure({ topic: 'orders', value: 'a' }, {})).toBe(
      'Error: This call has no Kafka capability (ctx.kafka): the platform holds the Kafka producer for this connector; check that the runtime grants "kafka"',
    );
    expect(await failure({ topic: 'orders', value: 'a' }, undefined, { brokers: 'kafka-1', authentication: 'plain', username: 'u' })).toBe(
      'Error: The Kafka account is incomplete: Broker "kafka-1" must be host:port, e.g. kafka-1:9092; Password is required with SASL PLAIN',
    );
    const big = new KafkaCapabilities({ allowPrivateNetwork: true, maxMessageBytes: 100 });
    try {
      expect(await failure({ topic: 'orders', messages: [{ value: 'ok' }, { value: 'y'.repeat(200) }] }, { kafka: big })).toBe(
        'KafkaProduceError: Message 2 is 200 bytes, over the 100 byte limit; send less (store large payloads elsewhere and send a reference)',
      );
    } finally {
      await big.close();
    }
  });
});
