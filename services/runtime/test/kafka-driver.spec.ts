// The kafka stream driver with StreamDelivery and PgRunRecorder on a fresh PostgreSQL database.
// Kafka itself is the wire-protocol TEST broker in connectors/kafka/testing (an in-memory,
// single-node broker that real kafkajs clients talk to over TCP): no real Kafka broker is
// available on these machines. docker-compose.yml runs real Kafka.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type Producer } from 'kafkajs';
import { waitFor } from '@flowport/testing';
import { startTestBroker, type TestBroker } from '../../../connectors/kafka/testing';
import {
  createDefaultDriverRegistry,
  KafkaDriver,
  PgRunRecorder,
  StreamDelivery,
  StreamDriverConfigError,
  type JsonValue,
  type StreamDeliveryOptions,
  type StreamMessage,
} from '../src/delivery';
import { uniqueFlowId } from './support/brokers';
import { createTestDatabase, type TestDatabase } from './support/pg';
import { ObservedRecorder, rowCounts } from './support/scenarios';

jest.setTimeout(60_000);

let broker: TestBroker;
let producer: Producer;
let db: TestDatabase;
let pool: ReturnType<TestDatabase['pool']>;
const deliveries: StreamDelivery[] = [];

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Short timers: the test broker allows sessions from 500 ms, and kafkajs heartbeats between fetches. */
function driverConfig(topic: string, groupId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    brokers: broker.brokers,
    topics: [topic],
    groupId,
    fromBeginning: true,
    sessionTimeoutMs: 3000,
    rebalanceTimeoutMs: 3000,
    heartbeatIntervalMs: 100,
    maxWaitTimeMs: 100,
    retry: { retries: 3, initialRetryTimeMs: 50 },
    ...extra,
  };
}

function delivery(options: Partial<StreamDeliveryOptions> & { driverConfig: unknown; flowId: string }): StreamDelivery {
  const d = new StreamDelivery({
    driver: createDefaultDriverRegistry().create('kafka'),
    recorder: new PgRunRecorder(pool),
    externalId: 'payload.orderId',
    retryBaseDelayMs: 50,
    retryMaxDelayMs: 400,
    ...options,
  });
  deliveries.push(d);
  return d;
}

async function produce(topic: string, messages: { key?: string; value: JsonValue | string | null; headers?: IHeaders; partition?: number }[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: messages.map((m) => ({
      key: m.key ?? null,
      value: m.value === null ? null : typeof m.value === 'string' ? m.value : JSON.stringify(m.value),
      headers: m.headers,
      partition: m.partition,
    })),
  });
}

/** Committed offset == high watermark on every partition: nothing read is left uncommitted. */
function uncommitted(groupId: string, topic: string, partitions: number): { partition: number; committed: number | null; highWatermark: number }[] {
  const out = [];
  for (let p = 0; p < partitions; p++) {
    const highWatermark = broker.messages(topic, p).length;
    const committed = broker.committedOffset(groupId, topic, p);
    if (committed !== highWatermark) out.push({ partition: p, committed, highWatermark });
  }
  return out;
}

beforeAll(async () => {
  [broker, db] = await Promise.all([startTestBroker({ host: '127.0.0.1', autoCreateTopics: false }), createTestDatabase()]);
  pool = db.pool();
  await new PgRunRecorder(pool).ensureSchema();
  const kafka = new Kafka({ clientId: 'kafka-driver-spec', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 50 } });
  await producer.connect();
});
afterEach(async () => {
  await Promise.all(deliveries.splice(0).map((d) => d.stop({ timeoutMs: 2000 }).catch(() => undefined)));
});
afterAll(async () => {
  await producer?.disconnect();
  await broker?.close();
  await db?.drop();
});

describe('kafka stream driver (kafkajs + PostgreSQL, test broker)', () => {
  it('is registered as "kafka" and rejects bad settings naming each problem and its fix', async () => {
    expect(createDefaultDriverRegistry().names()).toContain('kafka');
    const driver = new KafkaDriver();
    const handler = async () => undefined;
    await expect(driver.start({ batchSize: 0, brokers: 'nohost', groupId: '' }, handler)).rejects.toThrow(StreamDriverConfigError);
    await expect(driver.start({ batchSize: 0, brokers: 'nohost', groupId: '' }, handler)).rejects.toThrow(
      /Batch Size must be between 1 and 1000 \(got 0\).*each broker must be host:port, e\.g\. kafka-1:9092 \(got "nohost"\).*groupId must not be empty.*topics is required/,
    );
    await expect(
      driver.start({ batchSize: 1, brokers: ['h:9092'], topic: 'bad topic!', groupId: 'g', sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, handler),
    ).rejects.toThrow(/topic must be 1-249 letters.*sasl\.mechanism must be plain, scram-sha-256 or scram-sha-512 \(got "gssapi"\)/);
    await expect(driver.start({ batchSize: 1, brokers: 'h:1', topic: 't', groupId: 'g', heartbeatIntervalMs: 5000, sessionTimeoutMs: 3000 }, handler)).rejects.toThrow(
      'heartbeatIntervalMs (5000) must be lower than sessionTimeoutMs (3000)',
    );
  });

  it('fails to start with the brokers and the fix named when Kafka is unreachable or a topic is missing', async () => {
    const closed = await startTestBroker({ host: '127.0.0.1' });
    const dead = closed.brokers[0];
    await closed.close();
    await expect(
      new KafkaDriver().start({ ...driverConfig('orders', unique('g')), brokers: [dead], connectionTimeoutMs: 300, retry: { retries: 0, initialRetryTimeMs: 50 }, batchSize: 1 }, async () => undefined),
    ).rejects.toThrow(new RegExp(`Could not connect to Kafka at ${dead}.*Check the brokers, TLS and SASL settings`));
    const missing = unique('missing');
    await expect(new KafkaDriver().start({ ...driverConfig(missing, unique('g')), retry: { retries: 1, initialRetryTimeMs: 50 }, batchSize: 1 }, async () => undefined)).rejects.toThrow(
      new RegExp(`Could not subscribe to Kafka topics ${missing}.*Check that every topic exists`),
    );
    expect(broker.topics()).not.toContain(missing);
  });

  it('delivers key, headers, topic, partition and offset, with id topic/partition/offset; JSON bodies parsed, text kept', async () => {
    const topic = unique('shape');
    broker.createTopic(topic, 2);
    const seen: StreamMessage[] = [];
    const d = delivery({
      flowId: uniqueFlowId(),
      externalId: '',
      driverConfig: driverConfig(topic, unique('g'), { batchSize: 2, batchWaitMs: 50 }),
      mapMessage: async (m) => {
        seen.push({ id: m.id, body: m.body, headers: m.headers, attributes: m.attributes, receivedAt: m.receivedAt });
        return { payload: m.body };
      },
    });
    await produce(topic, [
      { key: 'order-1', value: { orderId: 'o-1', total: 12.5 }, headers: { tenant: 'acme', 'content-type': 'application/json' }, partition: 1 },
      { value: 'plain text, not JSON', partition: 1 },
      { key: 'k', value: null, partition: 0 },
    ]);
    await d.start();
    await waitFor('three messages recorded', () => d.stats.accepted === 3 || undefined);
    const byId = new Map(seen.map((m) => [m.id, m]));
    expect(byId.get(`${topic}/1/0`)).toMatchObject({
      body: { orderId: 'o-1', total: 12.5 },
      headers: { tenant: 'acme', 'content-type': 'application/json' },
      attributes: { topic, partition: 1, offset: '0', key: 'order-1', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(byId.get(`${topic}/1/1`)).toMatchObject({ body: 'plain text, not JSON', headers: {}, attributes: { key: null, offset: '1' } });
    expect(byId.get(`${topic}/0/0`)).toMatchObject({ body: null, attributes: { key: 'k', partition: 0 } });
    const { rows } = await pool.query<{ external_id: string }>('SELECT external_id FROM run_messages WHERE message_id LIKE $1 ORDER BY external_id', [`${topic}/%`]);
    expect(rows.map((r) => r.external_id)).toEqual([`${topic}/0/0`, `${topic}/1/0`, `${topic}/1/1`]);
  });

  it('dead-letters a poison message to <topic>.dlq after the retry limit while the rest flow, each good message mapped once', async () => {
    const topic = unique('poison');
    broker.createTopic(topic, 1);
    broker.createTopic(`${topic}.dlq`, 1);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    const mapCalls = new Map<string, number>();
    await produce(topic, [
      { value: { orderId: 'ok-1' } },
      { value: { orderId: 'poison-1', poison: true }, headers: { tenant: 'acme' }, key: 'pk' },
      { value: { orderId: 'ok-2' } },
      { value: { note: 'no order id' } },
      { value: { orderId: 'ok-3' } },
    ]);
    const d = delivery({
      flowId,
      maxAttempts: 3,
      driverConfig: driverConfig(topic, groupId, { batchSize: 5, batchWaitMs: 50 }),
      mapMessage: async (m) => {
        const body = m.body as { orderId?: string; poison?: boolean };
        const key = body.orderId ?? 'none';
        mapCalls.set(key, (mapCalls.get(key) ?? 0) + 1);
        if (body.poison) throw new Error(`cannot map order ${body.orderId}`);
        return { payload: m.body };
      },
    });
    await d.start();
    await waitFor('two dead letters produced', () => (broker.messages(`${topic}.dlq`).length === 2 ? true : undefined), 20_000);
    await waitFor('everything committed', () => uncommitted(groupId, topic, 1).length === 0 || undefined);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 3, duplicate: 0, deadLettered: 2 });
    expect(Object.fromEntries(mapCalls)).toEqual({ 'ok-1': 1, 'poison-1': 3, 'ok-2': 1, none: 3, 'ok-3': 1 });

    const letters = broker.messages(`${topic}.dlq`).map((r) => ({
      key: r.key?.toString() ?? null,
      value: JSON.parse(r.value!.toString()) as { orderId?: string },
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
    }));
    const poison = letters.find((l) => l.value.orderId === 'poison-1')!;
    expect(poison.key).toBe('pk');
    expect(poison.headers).toMatchObject({
      tenant: 'acme',
      'x-flowport-source-topic': topic,
      'x-flowport-source-partition': '0',
      'x-flowport-source-offset': '1',
    });
    expect(poison.headers['x-flowport-error']).toMatch(/cannot map order poison-1 \(after 3 attempts\)/);
    expect(letters.find((l) => l.value.orderId === undefined)!.headers['x-flowport-error']).toMatch(/External ID expression "payload.orderId" gave nothing/);
  });

  it('consumes several topics in one group, dead-lettering to each source topic\'s own .dlq', async () => {
    const [orders, refunds] = [unique('orders'), unique('refunds')];
    for (const t of [orders, refunds, `${orders}.dlq`, `${refunds}.dlq`]) broker.createTopic(t, 1);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    await produce(orders, [{ value: { orderId: 'o-1' } }, { value: { orderId: 'o-2' } }]);
    await produce(refunds, [{ value: { orderId: 'r-1' } }, { value: { poison: true } }]);
    const d = delivery({ flowId, maxAttempts: 2, driverConfig: { ...driverConfig(orders, groupId, { batchSize: 10, batchWaitMs: 50 }), topics: [orders, refunds] } });
    await d.start();
    await waitFor('refunds poison dead-lettered', () => broker.messages(`${refunds}.dlq`).length === 1 || undefined, 20_000);
    await waitFor('both topics committed', () => (uncommitted(groupId, orders, 1).length === 0 && uncommitted(groupId, refunds, 1).length === 0) || undefined);
    expect(broker.messages(`${orders}.dlq`)).toHaveLength(0);
    const { rows } = await pool.query<{ external_id: string }>(`SELECT external_id FROM run_messages WHERE flow_id = $1 AND status = 'accepted' ORDER BY external_id`, [flowId]);
    expect(rows.map((r) => r.external_id)).toEqual(['o-1', 'o-2', 'r-1']);
  });

  it('shares the partitions between two runtime replicas in one group: every message recorded once, all committed', async () => {
    const topic = unique('shared');
    broker.createTopic(topic, 4);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    const config = driverConfig(topic, groupId, { batchSize: 5, batchWaitMs: 50 });
    const seenBy = [new Set<string>(), new Set<string>()];
    const replica = (n: number) =>
      delivery({
        flowId,
        driverConfig: config,
        mapMessage: async (m) => {
          seenBy[n].add(m.id);
          return { payload: m.body };
        },
      });
    const [a, b] = [replica(0), replica(1)];
    await a.start();
    await produce(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { orderId: `s-${i}` } })));
    await b.start();
    await waitFor('both replicas hold partitions', () => broker.group(groupId).members.length === 2 || undefined);
    await produce(topic, Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { orderId: `s-${20 + i}` } })));
    await waitFor('40 recorded', async () => (await rowCounts(pool, flowId)).accepted === 40 || undefined, 20_000);
    await waitFor('everything committed', () => uncommitted(groupId, topic, 4).length === 0 || undefined);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 40, distinctAccepted: 40, deadLettered: 0 });
    expect(seenBy[1].size).toBeGreaterThan(0);
  });

  it('records a partition in offset order even when a later batch is mapped first, so the first of two equal External IDs wins', async () => {
    const topic = unique('ordered');
    broker.createTopic(topic, 1);
    const flowId = uniqueFlowId();
    await produce(topic, [{ value: { orderId: 'same', n: 1 } }, { value: { orderId: 'same', n: 2 } }, { value: { orderId: 'other', n: 3 } }]);
    const d = delivery({
      flowId,
      driverConfig: driverConfig(topic, unique('g'), { batchSize: 1, batchWaitMs: 0 }),
      mapMessage: async (m) => {
        // The first message is slow to map: without ordering the second would be recorded first.
        if ((m.body as { n: number }).n === 1) await new Promise((resolve) => setTimeout(resolve, 300));
        return { payload: m.body };
      },
    });
    await d.start();
    await waitFor('three recorded', () => d.stats.accepted + d.stats.duplicates === 3 || undefined);
    const { rows } = await pool.query<{ status: string; n: number }>(
      `SELECT status, (payload->>'n')::int AS n FROM run_messages WHERE flow_id = $1 ORDER BY n`,
      [flowId],
    );
    expect(rows).toEqual([
      { status: 'accepted', n: 1 },
      { status: 'duplicate', n: 2 },
      { status: 'accepted', n: 3 },
    ]);
  });

  it('keeps a message unacked (and the offset before it) while the database is down, then records it once', async () => {
    const topic = unique('retry');
    broker.createTopic(topic, 1);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    let failing = true;
    const recorder = new PgRunRecorder(pool);
    const flaky = {
      record: async (...args: Parameters<PgRunRecorder['record']>) => {
        if (failing) throw new Error('database unavailable');
        return recorder.record(...args);
      },
      recordDeadLetter: recorder.recordDeadLetter.bind(recorder),
    };
    const d = delivery({ flowId, maxAttempts: 1000, recorder: flaky, driverConfig: driverConfig(topic, groupId, { batchSize: 3, batchWaitMs: 50 }) });
    await d.start();
    await produce(topic, [{ value: { orderId: 'r-1' } }, { value: { orderId: 'r-2' } }]);
    await waitFor('several failed recordings', () => d.stats.recordFailures >= 3 || undefined);
    expect(broker.committedOffset(groupId, topic, 0)).toBeNull();
    failing = false;
    await waitFor('recorded after recovery', () => d.stats.accepted === 2 || undefined);
    await waitFor('committed', () => broker.committedOffset(groupId, topic, 0) === 2 || undefined);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 2, duplicate: 0 });
  });

  it('restarts mid-way without loss or double records: stop() commits what was acked', async () => {
    const topic = unique('restart');
    broker.createTopic(topic, 2);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    // One batch at a time, so the stop lands with messages buffered, in flight and not yet fetched.
    const config = driverConfig(topic, groupId, { batchSize: 4, batchWaitMs: 50, maxInFlightBatches: 1 });
    await produce(topic, Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: { orderId: `m-${i}` } })));
    const slow = async (m: StreamMessage) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { payload: m.body };
    };
    const first = delivery({ flowId, driverConfig: config, mapMessage: slow });
    await first.start();
    await waitFor('some recorded before the restart', () => first.stats.accepted >= 8 || undefined);
    await first.stop();
    const before = (await rowCounts(pool, flowId)).accepted;
    expect(before).toBeLessThan(40);
    expect(uncommitted(groupId, topic, 2).reduce((n, p) => n + p.highWatermark - (p.committed ?? 0), 0)).toBe(40 - before);

    await produce(topic, Array.from({ length: 10 }, (_, i) => ({ key: `n${i}`, value: { orderId: `m-${40 + i}` } })));
    const second = delivery({ flowId, driverConfig: config });
    await second.start();
    await waitFor('all 50 recorded', async () => (await rowCounts(pool, flowId)).accepted === 50 || undefined);
    await waitFor('everything committed', () => uncommitted(groupId, topic, 2).length === 0 || undefined);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 50, distinctAccepted: 50, duplicate: 0, deadLettered: 0 });
    expect(second.stats.duplicates).toBe(0);
  });

  it('re-reads messages recorded but not committed before a crash and marks them duplicate, starting nothing', async () => {
    const topic = unique('crash');
    broker.createTopic(topic, 1);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    // One batch: with partition order, a second batch would wait behind the "crashed" first one.
    const config = driverConfig(topic, groupId, { batchSize: 6, batchWaitMs: 200 });
    await produce(topic, Array.from({ length: 6 }, (_, i) => ({ value: { orderId: `c-${i}` } })));
    const crashing = new ObservedRecorder(new PgRunRecorder(pool));
    crashing.holdAfterCommit = true;
    const first = delivery({ flowId, driverConfig: config, recorder: crashing });
    await first.start();
    await waitFor('recorded before the crash', async () => (await rowCounts(pool, flowId)).accepted === 6 || undefined);
    await first.stop({ timeoutMs: 0 });
    expect(broker.committedOffset(groupId, topic, 0)).toBeNull();

    const second = delivery({ flowId, driverConfig: config });
    await second.start();
    await waitFor('re-read as duplicates', () => second.stats.duplicates === 6 || undefined);
    await waitFor('committed', () => broker.committedOffset(groupId, topic, 0) === 6 || undefined);
    expect(await rowCounts(pool, flowId)).toMatchObject({ accepted: 6, distinctAccepted: 6, duplicate: 6 });
    expect(second.stats).toMatchObject({ accepted: 0, runs: 0 });
  });

  it('starts at the latest offset when fromBeginning is false, and keeps its session through a batch longer than the session timeout', async () => {
    const topic = unique('latest');
    broker.createTopic(topic, 1);
    const groupId = unique('g');
    const flowId = uniqueFlowId();
    await produce(topic, [{ value: { orderId: 'old-1' } }, { value: { orderId: 'old-2' } }]);
    const mapped: string[] = [];
    const d = delivery({
      flowId,
      driverConfig: driverConfig(topic, groupId, { fromBeginning: false, batchSize: 2, batchWaitMs: 50, sessionTimeoutMs: 800, rebalanceTimeoutMs: 800 }),
      mapMessage: async (m) => {
        mapped.push((m.body as { orderId: string }).orderId);
        // Twice the session timeout: only heartbeats sent while the batch is handled keep the member.
        await new Promise((resolve) => setTimeout(resolve, 1600));
        return { payload: m.body };
      },
    });
    await d.start();
    const generation = broker.group(groupId).generationId;
    await produce(topic, [{ value: { orderId: 'new-1' } }, { value: { orderId: 'new-2' } }]);
    await waitFor('new messages recorded', () => d.stats.accepted === 2 || undefined);
    await waitFor('committed', () => broker.committedOffset(groupId, topic, 0) === 4 || undefined);
    expect(mapped.sort()).toEqual(['new-1', 'new-2']);
    expect(broker.group(groupId)).toMatchObject({ state: 'Stable', generationId: generation });
  });
});
