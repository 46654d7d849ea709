// The Kafka connector end to end, below the NestJS layer: the bundle built by the SDK CLI
// (`flowport connector build` in connectors/kafka), its trigger.config / trigger.map ops run in
// the real sandbox (SandboxPool), the runtime's kafka driver + StreamDelivery + PgRunRecorder on
// a fresh PostgreSQL database. Kafka is the wire-protocol TEST broker in connectors/kafka/testing
// (in-memory, single node, real kafkajs clients over TCP): no real Kafka broker is available on
// these machines. docker-compose.yml runs real Kafka.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SandboxPool } from '@flowport/sandbox';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { waitFor } from '@flowport/testing';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import { createDefaultDriverRegistry, PgRunRecorder, StreamDelivery, type DeliveredMessage, type JsonValue, type MappedMessage } from '../src/delivery';
import { uniqueFlowId } from './support/brokers';
import { createTestDatabase, type TestDatabase } from './support/pg';
import { ObservedRecorder, rowCounts } from './support/scenarios';

jest.setTimeout(120_000);

const REPO = join(__dirname, '..', '..', '..');
const CONNECTOR_DIR = join(REPO, 'connectors', 'kafka');
const run = promisify(execFile);

let broker: TestBroker;
let producer: Producer;
let db: TestDatabase;
let pool: ReturnType<TestDatabase['pool']>;
let sandbox: SandboxPool;
let bundle: { code: string; integrity: string };
const deliveries: StreamDelivery[] = [];

/** `flowport connector build` in connectors/kafka, as its build script runs it. */
async function buildConnector(): Promise<{ code: string; integrity: string }> {
  if (!existsSync(join(REPO, 'connector-sdk', 'dist', 'cli', 'main.js'))) {
    await run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'connector-sdk', 'tsconfig.build.json')]);
  }
  await run(process.execPath, [join(REPO, 'connector-sdk', 'bin', 'flowport.js'), 'connector', 'build', '--dir', CONNECTOR_DIR]);
  return {
    code: readFileSync(join(CONNECTOR_DIR, 'dist', 'connector.js'), 'utf8'),
    integrity: readFileSync(join(CONNECTOR_DIR, 'dist', 'integrity.txt'), 'utf8').trim(),
  };
}

async function guest(op: 'trigger.config' | 'trigger.map', input: unknown): Promise<JsonValue> {
  const result = await sandbox.call({ bundle, op, target: 'consume-topic', input, partition: 'kafka-connector-spec' });
  if (!result.ok) throw new Error(`${op} failed in the sandbox: ${result.error.name}: ${result.error.message}`);
  return result.output;
}

/** What the runtime's trigger manager does for a stream trigger: config from the sandbox, map per message in it. */
async function connectorDelivery(options: {
  flowId: string;
  props: Record<string, JsonValue>;
  batchSize: number;
  batchWaitMs: number;
  recorder: ObservedRecorder;
  maxAttempts?: number;
}): Promise<StreamDelivery> {
  const account = { brokers: broker.brokers.join(','), authentication: 'none' };
  const config = (await guest('trigger.config', { props: options.props, account })) as Record<string, JsonValue>;
  const d = new StreamDelivery({
    flowId: options.flowId,
    driver: createDefaultDriverRegistry().create('kafka'),
    // Short group timers suit the test broker; the connector's own settings are used as they are.
    driverConfig: { ...config, batchSize: options.batchSize, batchWaitMs: options.batchWaitMs, sessionTimeoutMs: 3000, rebalanceTimeoutMs: 3000, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
    recorder: options.recorder,
    externalId: 'payload.orderId',
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: 50,
    retryMaxDelayMs: 400,
    mapMessage: async (message) => {
      options.recorder.noteReceived([message as DeliveredMessage]);
      const plain = { id: message.id, body: message.body, headers: message.headers, attributes: message.attributes, receivedAt: message.receivedAt };
      return (await guest('trigger.map', { props: options.props, account, message: plain })) as MappedMessage;
    },
    trigger: { type: 'stream', connector: 'kafka', trigger: 'consume-topic', driver: 'kafka' },
  });
  deliveries.push(d);
  await d.start();
  return d;
}

beforeAll(async () => {
  [broker, db, bundle] = await Promise.all([startTestBroker({ host: '127.0.0.1', autoCreateTopics: false }), createTestDatabase(), buildConnector()]);
  pool = db.pool();
  await new PgRunRecorder(pool).ensureSchema();
  sandbox = new SandboxPool({ timeoutMs: 10_000 });
  producer = new Kafka({ clientId: 'kafka-connector-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
});
afterEach(async () => {
  await Promise.all(deliveries.splice(0).map((d) => d.stop({ timeoutMs: 2000 }).catch(() => undefined)));
});
afterAll(async () => {
  await producer?.disconnect();
  await sandbox?.close();
  await broker?.close();
  await db?.drop();
});

describe('kafka connector: Consume Topic through the sandbox, the kafka driver and PostgreSQL', () => {
  it('records 23 messages with Batch Size 6 and External ID payload.orderId: 20 once in runs of at most 6, 3 duplicates, all committed', async () => {
    const topic = `orders-${randomBytes(4).toString('hex')}`;
    broker.createTopic(topic, 3);
    const groupId = `flow-${randomBytes(4).toString('hex')}`;
    const flowId = uniqueFlowId();
    // Three messages repeat an earlier order id, each after its original and on the same key (so the same partition).
    const orders = Array.from({ length: 20 }, (_, i) => ({ orderId: `order-${i + 1}`, amount: i + 1 }));
    const sequence = [...orders];
    sequence.splice(9, 0, { orderId: 'order-3', amount: 3 });
    sequence.splice(15, 0, { orderId: 'order-7', amount: 7 });
    sequence.push({ orderId: 'order-15', amount: 15 });
    expect(sequence).toHaveLength(23);
    await producer.send({ topic, acks: -1, messages: sequence.map((o) => ({ key: o.orderId, value: JSON.stringify(o), headers: { source: 'spec' } })) });

    const recorder = new ObservedRecorder(new PgRunRecorder(pool));
    const delivery = await connectorDelivery({ flowId, props: { topics: topic, consumerGroup: groupId, fromBeginning: true }, batchSize: 6, batchWaitMs: 400, recorder });
    await waitFor('23 messages recorded', () => delivery.stats.accepted + delivery.stats.duplicates === 23 || undefined, 30_000);
    await waitFor('every partition committed up to its high watermark', () =>
      [0, 1, 2].every((p) => broker.committedOffset(groupId, topic, p) === broker.messages(topic, p).length) || undefined,
    );
    expect(broker.messages(topic).length).toBe(23);

    expect(await rowCounts(pool, flowId)).toEqual({ accepted: 20, duplicate: 3, deadLettered: 0, distinctAccepted: 20, runs: expect.any(Number) });
    const { rows: runs } = await pool.query<{ id: string; message_count: number; trigger: { connector: string } }>(
      'SELECT id, message_count, trigger FROM runs WHERE flow_id = $1',
      [flowId],
    );
    expect(runs.every((r) => r.message_count >= 1 && r.message_count <= 6 && r.trigger.connector === 'kafka')).toBe(true);
    expect(runs.reduce((n, r) => n + r.message_count, 0)).toBe(20);

    const { rows: messages } = await pool.query<{ external_id: string; status: string; run_id: string | null; payload: { orderId: string }; labels: Record<string, string>; message_id: string }>(
      'SELECT external_id, status, run_id, payload, labels, message_id FROM run_messages WHERE flow_id = $1',
      [flowId],
    );
    expect(messages).toHaveLength(23);
    for (const m of messages) {
      expect(m.external_id).toBe(m.payload.orderId);
      expect(m.message_id).toBe(`${topic}/${m.labels.partition}/${m.labels.offset}`);
      expect(m.labels).toMatchObject({ topic, key: m.payload.orderId });
    }
    const duplicates = messages.filter((m) => m.status === 'duplicate');
    expect(duplicates.map((m) => m.external_id).sort()).toEqual(['order-15', 'order-3', 'order-7']);
    expect(duplicates.every((m) => m.run_id === null)).toBe(true);
    // A repeat lands after its original in the same partition, so the original is the one accepted.
    for (const dup of duplicates) {
      const original = messages.find((m) => m.status === 'accepted' && m.external_id === dup.external_id)!;
      expect(Number(original.labels.offset)).toBeLessThan(Number(dup.labels.offset));
    }

    expect(Math.max(...recorder.batches.map((b) => b.size))).toBeLessThanOrEqual(6);
    const partial = recorder.batches.filter((b) => b.size < 6);
    expect(partial.length).toBeGreaterThanOrEqual(1);
    // A partial batch is sealed by the batch wait, never early.
    expect(Math.min(...partial.map((b) => b.ageMs))).toBeGreaterThanOrEqual(350);
  });

  it('sends a poison message to <topic>.dlq after the retry limit while the others are recorded', async () => {
    const topic = `payments-${randomBytes(4).toString('hex')}`;
    broker.createTopic(topic, 1);
    broker.createTopic(`${topic}.dlq`, 1);
    const groupId = `flow-${randomBytes(4).toString('hex')}`;
    const flowId = uniqueFlowId();
    // Not JSON with an orderId: External ID evaluation fails on every attempt.
    await producer.send({ topic, acks: -1, messages: [{ value: '{"orderId":"p-1"}' }, { value: 'garbage' }, { value: '{"orderId":"p-2"}' }] });
    const delivery = await connectorDelivery({
      flowId,
      props: { topics: topic, consumerGroup: groupId, fromBeginning: true },
      batchSize: 3,
      batchWaitMs: 50,
      maxAttempts: 3,
      recorder: new ObservedRecorder(new PgRunRecorder(pool)),
    });
    await waitFor('dead letter produced', () => broker.messages(`${topic}.dlq`).length === 1 || undefined, 20_000);
    await waitFor('committed past the poison message', () => broker.committedOffset(groupId, topic, 0) === 3 || undefined);
    const [letter] = broker.messages(`${topic}.dlq`);
    expect(letter.value?.toString()).toBe('garbage');
    expect(String(letter.headers['x-flowport-error'])).toMatch(/External ID expression "payload.orderId" gave nothing.*\(after 3 attempts\)/);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 2, duplicate: 0, deadLettered: 1 });
    expect(delivery.stats).toMatchObject({ accepted: 2, deadLettered: 1 });
  });
});
