// The test broker driven by real kafkajs 2.2.4 clients: admin, producers and consumer groups.
import { Admin, CompressionTypes, Consumer, ConsumerConfig, IHeaders, Kafka, Producer, logLevel } from 'kafkajs';
import { TestBroker, startTestBroker } from '../testing';

interface Received {
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: IHeaders;
}

jest.setTimeout(20_000);

let broker: TestBroker;
let kafka: Kafka;
const clients: Array<Admin | Producer | Consumer> = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function track<T extends Admin | Producer | Consumer>(client: T): T {
  clients.push(client);
  return client;
}

async function connectedProducer(): Promise<Producer> {
  const producer = track(kafka.producer({ retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 } }));
  await producer.connect();
  return producer;
}

function newConsumer(groupId: string, extra: Partial<ConsumerConfig> = {}): Consumer {
  // Short timeouts keep rebalances fast; heartbeats ride on each (at most 100 ms) fetch cycle.
  return track(
    kafka.consumer({
      groupId,
      sessionTimeout: 3000,
      rebalanceTimeout: 3000,
      heartbeatInterval: 100,
      maxWaitTimeInMs: 100,
      retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 300 },
      ...extra,
    }),
  );
}

/**
 * Runs `consumer` with eachBatch, committing after every batch as the connector will (commit only
 * after the batch is handled), appending what it sees to `sink` and its assignment to `assigned`.
 */
async function collect(
  name: string,
  consumer: Consumer,
  topic: string,
  fromBeginning: boolean,
  sink: Received[],
  assigned?: Map<string, number[]>,
): Promise<void> {
  consumer.on(consumer.events.GROUP_JOIN, (e) => assigned?.set(name, [...(e.payload.memberAssignment[topic] ?? [])].sort()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        sink.push({
          consumer: name,
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: String(m.key),
          value: String(m.value),
          headers: m.headers ?? {},
        });
        resolveOffset(m.offset);
      }
      const last = batch.messages[batch.messages.length - 1];
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
      await heartbeat();
    },
  });
}

async function produceKeyed(producer: Producer, topic: string, prefix: string, count: number): Promise<void> {
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      key: `${prefix}-${i}`,
      value: `value of ${prefix}-${i}`,
      headers: { seq: String(i), source: 'test-broker.spec' },
    })),
  });
}

function partitionCounts(topic: string, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, p) => broker.messages(topic, p).length);
}

beforeAll(async () => {
  broker = await startTestBroker({ host: '127.0.0.1', autoCreateTopics: true, defaultPartitions: 2 });
  kafka = new Kafka({
    clientId: 'test-broker-spec',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 300 },
  });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
  await broker?.close();
});

describe('admin', () => {
  test('creates, describes and deletes topics', async () => {
    const admin = track(kafka.admin());
    await admin.connect();

    expect(await admin.createTopics({ topics: [{ topic: 'admin-topic', numPartitions: 3 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'admin-topic', numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toContain('admin-topic');
    const { topics } = await admin.fetchTopicMetadata({ topics: ['admin-topic'] });
    expect(topics[0].partitions.map((p) => [p.partitionId, p.leader]).sort()).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);

    await expect(admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3 }] })).rejects.toThrow(
      /Topic creation errors/,
    );
    expect(await admin.listTopics()).not.toContain('replicated');

    await admin.deleteTopics({ topics: ['admin-topic'] });
    expect(broker.topics()).not.toContain('admin-topic');
  });

  test('reports offsets by position and by timestamp', async () => {
    const admin = track(kafka.admin());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'offsets-topic', numPartitions: 1 }] });
    const producer = await connectedProducer();
    await producer.send({
      topic: 'offsets-topic',
      messages: [1000, 2000, 3000].map((t) => ({ value: `at ${t}`, timestamp: String(1_700_000_000_000 + t) })),
    });

    expect(await admin.fetchTopicOffsets('offsets-topic')).toEqual([
      expect.objectContaining({ partition: 0, low: '0', high: '3', offset: '3' }),
    ]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('offsets-topic', 1_700_000_001_500);
    expect(byTime).toEqual([{ partition: 0, offset: '1' }]);
  });

  test('describes, lists and deletes consumer groups and their offsets', async () => {
    const admin = track(kafka.admin());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'group-admin', numPartitions: 2 }] });
    const producer = await connectedProducer();
    await producer.send({ topic: 'group-admin', messages: [{ partition: 1, value: 'x' }, { partition: 1, value: 'y' }] });
    const seen: Received[] = [];
    const consumer = newConsumer('admin-group');
    await collect('admin', consumer, 'group-admin', true, seen);
    await waitFor(() => broker.committedOffset('admin-group', 'group-admin', 1) === 2, 'the commit');

    const running = (await admin.describeGroups(['admin-group'])).groups[0];
    expect(running).toMatchObject({ groupId: 'admin-group', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(running.members).toHaveLength(1);
    expect(running.members[0]).toMatchObject({ clientId: 'test-broker-spec', clientHost: '/127.0.0.1' });
    await expect(admin.deleteGroups(['admin-group'])).rejects.toMatchObject({
      groups: [expect.objectContaining({ errorCode: 68 })], // NON_EMPTY_GROUP
    });

    await consumer.disconnect();
    const [fetched] = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['group-admin'] });
    expect(fetched.partitions.sort((a, b) => a.partition - b.partition)).toEqual([
      expect.objectContaining({ partition: 0, offset: '-1' }),
      expect.objectContaining({ partition: 1, offset: '2' }),
    ]);
    expect((await admin.describeGroups(['admin-group'])).groups[0]).toMatchObject({ state: 'Empty', members: [] });
    expect((await admin.listGroups()).groups).toContainEqual({ groupId: 'admin-group', protocolType: 'consumer' });

    await admin.deleteGroups(['admin-group']);
    expect(broker.group('admin-group').state).toBe('Dead');
    expect(broker.committedOffset('admin-group', 'group-admin', 1)).toBeNull();
  });
});

describe('producing', () => {
  test('stores keyed messages with headers at consecutive offsets per partition', async () => {
    const admin = track(kafka.admin());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'produce-topic', numPartitions: 3 }] });
    const producer = await connectedProducer();

    await produceKeyed(producer, 'produce-topic', 'p', 100);

    const stored = broker.messages('produce-topic');
    expect(stored).toHaveLength(100);
    expect(new Set(stored.map((m) => String(m.key))).size).toBe(100);
    for (const [p, count] of partitionCounts('produce-topic', 3).entries()) {
      expect(broker.messages('produce-topic', p).map((m) => m.offset)).toEqual([...Array(count).keys()]);
    }
    const seven = stored.find((m) => String(m.key) === 'p-7');
    expect(String(seven?.value)).toBe('value of p-7');
    expect(String(seven?.headers.seq)).toBe('7');
    expect(String(seven?.headers.source)).toBe('test-broker.spec');
    // kafkajs's default partitioner hashes keys, so 100 keys land on every partition.
    expect(partitionCounts('produce-topic', 3).every((n) => n > 0)).toBe(true);
  });

  test('auto-creates an unknown topic with the default partition count', async () => {
    const producer = await connectedProducer();
    const [result] = await producer.send({ topic: 'auto-created', messages: [{ key: 'a', value: 'first' }] });

    expect(result.errorCode).toBe(0);
    expect(broker.topics()).toContain('auto-created');
    expect(partitionCounts('auto-created', 2).reduce((a, b) => a + b)).toBe(1);
    expect(() => broker.messages('auto-created', 2)).toThrow(/no partition 2/);
  });

  test('refuses an unknown topic when auto-creation is off', async () => {
    const strict = await startTestBroker({ autoCreateTopics: false });
    const client = new Kafka({ clientId: 'strict', brokers: strict.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50 } });
    const producer = track(client.producer({ retry: { retries: 1, initialRetryTime: 50 } }));
    try {
      await producer.connect();
      await expect(producer.send({ topic: 'missing', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition/);
      expect(strict.topics()).toEqual([]);
    } finally {
      await producer.disconnect();
      await strict.close();
    }
  });

  test('rejects compressed batches with UNSUPPORTED_COMPRESSION_TYPE and stores nothing', async () => {
    broker.createTopic('gzip-topic', 1);
    const producer = await connectedProducer();

    await expect(
      producer.send({ topic: 'gzip-topic', compression: CompressionTypes.GZIP, messages: [{ value: 'squeezed' }] }),
    ).rejects.toMatchObject({ type: 'UNSUPPORTED_COMPRESSION_TYPE' });
    expect(broker.messages('gzip-topic')).toEqual([]);
  });

  test('honours acks 0, 1 and -1', async () => {
    broker.createTopic('acks-topic', 1);
    const producer = await connectedProducer();

    expect(await producer.send({ topic: 'acks-topic', acks: 0, messages: [{ value: 'a0' }] })).toEqual([]);
    const [one] = await producer.send({ topic: 'acks-topic', acks: 1, messages: [{ value: 'a1' }] });
    const [all] = await producer.send({ topic: 'acks-topic', acks: -1, messages: [{ value: 'a-1' }] });

    expect([one.baseOffset, all.baseOffset]).toEqual(['1', '2']);
    expect(broker.messages('acks-topic').map((m) => [m.offset, String(m.value)])).toEqual([
      [0, 'a0'],
      [1, 'a1'],
      [2, 'a-1'],
    ]);
  });
});

describe('a consumer group through joins, leaves and restarts', () => {
  const topic = 'group-topic';
  const groupId = 'lifecycle-group';
  const received: Received[] = [];
  const assigned = new Map<string, number[]>();
  let producer: Producer;
  let first: Consumer;
  let second: Consumer;

  beforeAll(async () => {
    const admin = track(kafka.admin());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    producer = await connectedProducer();
  });

  test('one consumer reads all 100 messages with eachBatch and commits them', async () => {
    await produceKeyed(producer, topic, 'initial', 100);
    first = newConsumer(groupId);
    await collect('first', first, topic, true, received, assigned);

    await waitFor(() => received.length >= 100, '100 messages');
    const counts = partitionCounts(topic, 3);
    await waitFor(() => counts.every((n, p) => broker.committedOffset(groupId, topic, p) === n), 'commits');

    expect(assigned.get('first')).toEqual([0, 1, 2]);
    expect(received).toHaveLength(100);
    expect(new Set(received.map((r) => r.key)).size).toBe(100);
    const r42 = received.find((r) => r.key === 'initial-42');
    expect(r42?.value).toBe('value of initial-42');
    expect(String(r42?.headers.seq)).toBe('42');
    expect(broker.group(groupId)).toMatchObject({ state: 'Stable', protocol: 'RoundRobinAssigner', members: [expect.anything()] });
  });

  test('a second consumer triggers a rebalance; later messages are consumed exactly once across both', async () => {
    const generationBefore = broker.group(groupId).generationId;
    assigned.delete('first');
    second = newConsumer(groupId);
    await collect('second', second, topic, true, received, assigned);

    await waitFor(() => assigned.has('first') && assigned.has('second'), 'both consumers to be assigned');
    const a = assigned.get('first') ?? [];
    const b = assigned.get('second') ?? [];
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b].sort()).toEqual([0, 1, 2]);
    const group = broker.group(groupId);
    expect(group.state).toBe('Stable');
    expect(group.members).toHaveLength(2);
    expect(group.generationId).toBeGreaterThan(generationBefore);

    const before = received.length;
    await produceKeyed(producer, topic, 'split', 60);
    await waitFor(() => received.length - before >= 60, '60 messages across both consumers');
    await sleep(300); // a duplicate delivery would show up here

    const later = received.slice(before);
    expect(later).toHaveLength(60);
    expect(new Set(later.map((r) => r.key)).size).toBe(60);
    for (const r of later) expect(assigned.get(r.consumer)).toContain(r.partition);
    expect(new Set(later.map((r) => r.consumer))).toEqual(new Set(['first', 'second']));
  });

  test('when a member leaves, the remaining consumer takes over every partition', async () => {
    assigned.delete('first');
    await second.disconnect();
    await waitFor(() => assigned.get('first')?.length === 3, 'first to own all partitions');
    expect(broker.group(groupId).members).toHaveLength(1);

    const before = received.length;
    await produceKeyed(producer, topic, 'solo', 30);
    await waitFor(() => received.length - before >= 30, '30 messages');
    await sleep(200);
    const later = received.slice(before);
    expect(later).toHaveLength(30);
    expect(later.every((r) => r.consumer === 'first')).toBe(true);
    expect(new Set(later.map((r) => r.key)).size).toBe(30);
  });

  test('a restarted consumer resumes from the committed offsets', async () => {
    await first.disconnect();
    expect(broker.group(groupId).state).toBe('Empty');
    const counts = partitionCounts(topic, 3);
    counts.forEach((n, p) => expect(broker.committedOffset(groupId, topic, p)).toBe(n));

    await produceKeyed(producer, topic, 'offline', 20);
    const before = received.length;
    // fromBeginning only applies without a committed offset, so it must not cause a replay here.
    const restarted = newConsumer(groupId);
    await collect('restarted', restarted, topic, true, received);
    await waitFor(() => received.length - before >= 20, '20 messages after restart');
    await sleep(300);

    const later = received.slice(before);
    expect(later.map((r) => r.key).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `offline-${i}`).sort());
    await waitFor(
      () => partitionCounts(topic, 3).every((n, p) => broker.committedOffset(groupId, topic, p) === n),
      'commits after restart',
    );
    await restarted.disconnect();
  });
});

describe('a consumer that stops heartbeating', () => {
  test('loses its partition after the session timeout and its uncommitted message is redelivered', async () => {
    const topic = 'stall-topic';
    const groupId = 'stall-group';
    broker.createTopic(topic, 1);
    const producer = await connectedProducer();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stalled = false;

    // kafkajs heartbeats only between batches, so a handler stuck on the gate goes silent.
    const stuck = newConsumer(groupId, { sessionTimeout: 1000 });
    await stuck.connect();
    await stuck.subscribe({ topics: [topic], fromBeginning: true });
    await stuck.run({
      autoCommit: false,
      eachBatch: async () => {
        stalled = true;
        await gate;
        throw new Error('the stalled handler never finishes its batch');
      },
    });
    await producer.send({ topic, messages: [{ key: 'stall', value: 'handled twice' }] });
    await waitFor(() => stalled, 'the first consumer to stall');

    const rescued: Received[] = [];
    const assigned = new Map<string, number[]>();
    const rescuer = newConsumer(groupId);
    await collect('rescuer', rescuer, topic, true, rescued, assigned);
    await waitFor(() => rescued.length >= 1, 'the redelivery');

    const group = broker.group(groupId);
    expect(group.members.map((m) => m.memberId)).toHaveLength(1);
    expect(assigned.get('rescuer')).toEqual([0]);
    expect(rescued.map((r) => [r.key, r.offset])).toEqual([['stall', '0']]);
    await waitFor(() => broker.committedOffset(groupId, topic, 0) === 1, 'the rescuer to commit');
    release();
  });
});

describe('offset reset and fan-out', () => {
  test('fromBeginning reads history while latest only sees new messages', async () => {
    const topic = 'positions-topic';
    broker.createTopic(topic, 2);
    const producer = await connectedProducer();
    await produceKeyed(producer, topic, 'early', 10);

    const fromStart: Received[] = [];
    const fromLatest: Received[] = [];
    const beginning = newConsumer('from-beginning');
    const latest = newConsumer('from-latest');
    let latestFetched = false;
    latest.on(latest.events.FETCH, () => {
      latestFetched = true;
    });
    await collect('beginning', beginning, topic, true, fromStart);
    await collect('latest', latest, topic, false, fromLatest);
    // The latest position is resolved just before the first fetch; produce only after it.
    await waitFor(() => latestFetched, 'the latest consumer to fetch');

    await produceKeyed(producer, topic, 'late', 5);
    await waitFor(() => fromStart.length >= 15 && fromLatest.length >= 5, 'both groups');
    await sleep(200);

    expect(fromStart.map((r) => r.key).sort()).toEqual([...keys('early', 10), ...keys('late', 5)].sort());
    expect(fromLatest.map((r) => r.key).sort()).toEqual(keys('late', 5).sort());
  });

  test('two groups each see every message', async () => {
    const topic = 'fanout-topic';
    broker.createTopic(topic, 3);
    const producer = await connectedProducer();
    const one: Received[] = [];
    const two: Received[] = [];
    await collect('one', newConsumer('fanout-one'), topic, true, one);
    await collect('two', newConsumer('fanout-two'), topic, true, two);

    await produceKeyed(producer, topic, 'fan', 25);
    await waitFor(() => one.length >= 25 && two.length >= 25, 'both groups to read 25 messages');
    await sleep(200);

    expect(one.map((r) => r.key).sort()).toEqual(keys('fan', 25).sort());
    expect(two.map((r) => r.key).sort()).toEqual(keys('fan', 25).sort());
    for (let p = 0; p < 3; p++) {
      const end = broker.messages(topic, p).length;
      await waitFor(() => broker.committedOffset('fanout-one', topic, p) === end && broker.committedOffset('fanout-two', topic, p) === end, 'commits');
    }
  });
});

function keys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}
