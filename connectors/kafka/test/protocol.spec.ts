// Wire-level behaviour of the test broker that kafkajs cannot be made to exercise on purpose:
// framing, pipelining, version negotiation, batch validation, long-polling and group timeouts.
import { Reader, Writer, crc32c } from '../testing/codec';
import { ErrorCode, TestBroker, startTestBroker } from '../testing';
import {
  ApiKey,
  RawClient,
  commitBody,
  fetchBody,
  heartbeatBody,
  joinBody,
  produceBody,
  readCommitResponse,
  readErrorOnly,
  readFetchResponse,
  readJoinResponse,
  readProduceResponse,
  readSyncResponse,
  recordBatch,
  syncBody,
} from './raw-client';

jest.setTimeout(15_000);

let broker: TestBroker;
const clients: RawClient[] = [];
const logLines: string[] = [];

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  broker = await startTestBroker({ log: (line) => logLines.push(line) });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await broker.close();
});

describe('codec', () => {
  test('computes CRC-32C (Castagnoli), not zlib CRC-32', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  test('round-trips zig-zag varints, including varlong timestamps', () => {
    const values = [0, -1, 1, 63, -64, 64, 300, -300, 2 ** 31, -(2 ** 31) - 1, 1_795_659_000_000, -1_795_659_000_000];
    const w = new Writer();
    for (const v of values) w.varint(v);
    const bytes = w.toBuffer();
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x01, 0x02, 0x7e]));
    const r = new Reader(bytes);
    expect(values.map(() => r.varint())).toEqual(values);
    expect(r.remaining()).toBe(0);
  });

  test('refuses to read past the end of a frame', () => {
    expect(() => new Reader(Buffer.from([0x00, 0x05, 0x61])).string()).toThrow(/truncated/);
  });
});

describe('framing', () => {
  test('answers pipelined requests in order, even when frames arrive in small pieces', async () => {
    const c = await client();
    const frames = [
      c.frame(ApiKey.ApiVersions, 2, new Writer()),
      c.frame(ApiKey.Metadata, 6, new Writer().array(null, (w) => w).boolean(false)),
      c.frame(ApiKey.ApiVersions, 0, new Writer()),
    ];
    const responses = frames.map((f) => c.response(f.correlationId));
    const stream = Buffer.concat(frames.map((f) => f.bytes));
    for (let i = 0; i < stream.length; i += 7) {
      c.socket.write(stream.subarray(i, i + 7));
      await new Promise((resolve) => setImmediate(resolve));
    }

    const [v2, metadata, v0] = await Promise.all(responses);
    expect(c.arrivals).toEqual(frames.map((f) => f.correlationId));
    const versions = readApiVersions(v2);
    expect(v2.int32()).toBe(0); // throttle time, only from v1 on
    expect(v2.remaining()).toBe(0);
    expect(versions.get(ApiKey.Produce)).toEqual([7, 7]);
    expect(versions.get(ApiKey.Fetch)).toEqual([11, 11]);
    expect(versions.get(ApiKey.ApiVersions)).toEqual([0, 2]);
    expect(readApiVersions(v0).size).toBe(versions.size);
    expect(v0.remaining()).toBe(0);
    metadata.int32();
    const [node] = metadata.array((r) => ({ id: r.int32(), host: r.string(), port: r.int32(), rack: r.nullableString() }));
    expect(node).toEqual({ id: 0, host: '127.0.0.1', port: broker.port, rack: null });
  });

  test('answers a too-new ApiVersions with UNSUPPORTED_VERSION in the v0 layout', async () => {
    const c = await client();
    const response = await c.request(ApiKey.ApiVersions, 3, new Writer());
    expect(response.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(response.array((r) => [r.int16(), r.int16(), r.int16()]).length).toBeGreaterThan(10);
    expect(response.remaining()).toBe(0);
  });

  test('closes the connection on an API version it does not implement', async () => {
    const c = await client();
    c.socket.write(c.frame(ApiKey.Produce, 2, new Writer()).bytes);
    await c.closed;
    expect(logLines.some((l) => l.includes('unsupported API key 0 version 2'))).toBe(true);
  });

  test('closes the connection on a negative frame size', async () => {
    const c = await client();
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    await c.closed;
  });
});

function readApiVersions(r: Reader): Map<number, [number, number]> {
  expect(r.int16()).toBe(ErrorCode.NONE);
  return new Map(r.array((r) => [r.int16(), [r.int16(), r.int16()]] as const));
}

describe('record batches', () => {
  test('assigns base offsets by rewriting the batch header and keeps the CRC valid', async () => {
    broker.createTopic('raw-offsets', 1);
    const c = await client();
    const first = readProduceResponse(await c.request(ApiKey.Produce, 7, produceBody('raw-offsets', 0, recordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }]))));
    const second = readProduceResponse(
      await c.request(ApiKey.Produce, 7, produceBody('raw-offsets', 0, recordBatch([{ key: 'k', value: 'd', headers: { h: 'v' } }]))),
    );
    expect([first, second]).toEqual([
      { errorCode: 0, baseOffset: 0 },
      { errorCode: 0, baseOffset: 3 },
    ]);

    const fetched = readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-offsets', 0, 0, 0)));
    expect(fetched.highWatermark).toBe(4);
    expect(fetched.batches.map((b) => [b.baseOffset, b.recordCount])).toEqual([
      [0, 3],
      [3, 1],
    ]);
    for (const b of fetched.batches) expect(b.crcOfContent).toBe(b.crc);
    const [d] = broker.messages('raw-offsets').slice(3);
    expect({ offset: d.offset, key: String(d.key), value: String(d.value), h: String(d.headers.h) }).toEqual({ offset: 3, key: 'k', value: 'd', h: 'v' });

    // A fetch from the middle of a batch returns the whole batch; clients skip the earlier records.
    const fromMiddle = readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-offsets', 0, 1, 0)));
    expect(fromMiddle.batches.map((b) => b.baseOffset)).toEqual([0, 3]);
  });

  test('rejects a batch with a wrong CRC as CORRUPT_MESSAGE and stores nothing', async () => {
    broker.createTopic('raw-corrupt', 1);
    const c = await client();
    const batch = recordBatch([{ value: 'intact' }]);
    batch[batch.length - 2] ^= 0xff;
    const result = readProduceResponse(await c.request(ApiKey.Produce, 7, produceBody('raw-corrupt', 0, batch)));
    expect(result).toEqual({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 });
    expect(broker.messages('raw-corrupt')).toEqual([]);
  });

  test('rejects compressed batches as UNSUPPORTED_COMPRESSION_TYPE', async () => {
    broker.createTopic('raw-snappy', 1);
    const c = await client();
    const snappy = recordBatch([{ value: 'not really compressed' }], Date.now(), 2);
    const result = readProduceResponse(await c.request(ApiKey.Produce, 7, produceBody('raw-snappy', 0, snappy)));
    expect(result.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(logLines.some((l) => l.includes('compressed record batches are not supported'))).toBe(true);
  });

  test('sends no response for acks=0 but still appends', async () => {
    broker.createTopic('raw-acks0', 1);
    const c = await client();
    const silent = c.frame(ApiKey.Produce, 7, produceBody('raw-acks0', 0, recordBatch([{ value: 'fire and forget' }]), 0));
    const ping = c.frame(ApiKey.ApiVersions, 0, new Writer());
    const pong = c.response(ping.correlationId);
    c.socket.write(Buffer.concat([silent.bytes, ping.bytes]));
    await pong;
    expect(c.arrivals).toEqual([ping.correlationId]);
    expect(broker.messages('raw-acks0').map((m) => String(m.value))).toEqual(['fire and forget']);
  });
});

describe('fetch', () => {
  test('parks an empty fetch until data arrives instead of returning at once', async () => {
    broker.createTopic('raw-longpoll', 1);
    const consumer = await client();
    const producer = await client();
    const started = Date.now();
    const pending = consumer.request(ApiKey.Fetch, 11, fetchBody('raw-longpoll', 0, 0, 5000));
    await sleep(200);
    await producer.request(ApiKey.Produce, 7, produceBody('raw-longpoll', 0, recordBatch([{ value: 'wake up' }])));

    const fetched = readFetchResponse(await pending);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(2000);
    expect(fetched.batches.map((b) => b.baseOffset)).toEqual([0]);
  });

  test('answers an empty fetch after maxWaitTime with no records', async () => {
    broker.createTopic('raw-timeout', 1);
    const c = await client();
    const started = Date.now();
    const fetched = readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-timeout', 0, 0, 300)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(fetched).toEqual({ errorCode: 0, highWatermark: 0, batches: [] });
  });

  test('waits for minBytes, then returns what there is when maxWaitTime passes', async () => {
    broker.createTopic('raw-minbytes', 1);
    const c = await client();
    await c.request(ApiKey.Produce, 7, produceBody('raw-minbytes', 0, recordBatch([{ value: 'small' }])));
    const started = Date.now();
    const fetched = readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-minbytes', 0, 0, 300, 64 * 1024)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(fetched.batches).toHaveLength(1);
  });

  test('reports OFFSET_OUT_OF_RANGE beyond the high watermark and UNKNOWN_TOPIC_OR_PARTITION for missing partitions', async () => {
    broker.createTopic('raw-range', 1);
    const c = await client();
    expect(readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-range', 0, 5, 1000))).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(readFetchResponse(await c.request(ApiKey.Fetch, 11, fetchBody('raw-range', 3, 0, 1000))).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
  });
});

describe('group coordinator', () => {
  async function joinAsNew(c: RawClient, groupId: string, session = 5000, rebalance = 5000, metadata = 'meta') {
    const first = readJoinResponse(await c.request(ApiKey.JoinGroup, 5, joinBody(groupId, '', session, rebalance, metadata)));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-client-/);
    return { memberId: first.memberId, join: () => c.request(ApiKey.JoinGroup, 5, joinBody(groupId, first.memberId, session, rebalance, metadata)).then(readJoinResponse) };
  }

  test('rebalances when a member joins and passes the leader assignment bytes to every member', async () => {
    const group = 'raw-group';
    const a = await client();
    const b = await client();

    const memberA = await joinAsNew(a, group, 5000, 5000, 'meta-a');
    const gen1 = await memberA.join();
    expect(gen1).toMatchObject({ errorCode: 0, generationId: 1, protocol: 'range', leaderId: memberA.memberId });
    expect(gen1.members).toEqual([{ memberId: memberA.memberId, metadata: 'meta-a' }]);
    expect(readSyncResponse(await a.request(ApiKey.SyncGroup, 3, syncBody(group, 1, memberA.memberId, { [memberA.memberId]: 'all-for-a' })))).toEqual({
      errorCode: 0,
      assignment: 'all-for-a',
    });
    expect(broker.group(group).state).toBe('Stable');

    const memberB = await joinAsNew(b, group, 5000, 5000, 'meta-b');
    const bJoin = memberB.join();
    await sleep(50);
    expect(broker.group(group).state).toBe('PreparingRebalance');
    expect(readErrorOnly(await a.request(ApiKey.Heartbeat, 3, heartbeatBody(group, 1, memberA.memberId)))).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    const [aGen2, bGen2] = await Promise.all([memberA.join(), bJoin]);
    expect(aGen2).toMatchObject({ errorCode: 0, generationId: 2, leaderId: memberA.memberId });
    expect(aGen2.members).toEqual([
      { memberId: memberA.memberId, metadata: 'meta-a' },
      { memberId: memberB.memberId, metadata: 'meta-b' },
    ]);
    expect(bGen2).toMatchObject({ errorCode: 0, generationId: 2, leaderId: memberA.memberId, members: [] });

    // The follower's SyncGroup waits for the leader's assignment.
    const bSync = b.request(ApiKey.SyncGroup, 3, syncBody(group, 2, memberB.memberId, {})).then(readSyncResponse);
    await sleep(50);
    const aSync = readSyncResponse(await a.request(ApiKey.SyncGroup, 3, syncBody(group, 2, memberA.memberId, { [memberA.memberId]: 'p0', [memberB.memberId]: 'p1' })));
    expect([aSync, await bSync]).toEqual([
      { errorCode: 0, assignment: 'p0' },
      { errorCode: 0, assignment: 'p1' },
    ]);
    expect(readErrorOnly(await b.request(ApiKey.Heartbeat, 3, heartbeatBody(group, 2, memberB.memberId)))).toBe(ErrorCode.NONE);
    expect(readErrorOnly(await b.request(ApiKey.Heartbeat, 3, heartbeatBody(group, 1, memberB.memberId)))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(broker.group(group).members.map((m) => String(m.assignment)).sort()).toEqual(['p0', 'p1']);
  });

  test('expels a member that stops heartbeating once its session times out', async () => {
    const group = 'raw-silent';
    const c = await client();
    const member = await joinAsNew(c, group, 600, 600);
    const joined = await member.join();
    await c.request(ApiKey.SyncGroup, 3, syncBody(group, joined.generationId, member.memberId, {}));
    expect(broker.group(group).members).toHaveLength(1);

    await sleep(1000);

    expect(broker.group(group)).toMatchObject({ state: 'Empty', members: [], generationId: joined.generationId + 1 });
    expect(readErrorOnly(await c.request(ApiKey.Heartbeat, 3, heartbeatBody(group, joined.generationId, member.memberId)))).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  test('drops a member that does not rejoin within the rebalance timeout', async () => {
    const group = 'raw-laggard';
    const a = await client();
    const b = await client();
    const laggard = await joinAsNew(a, group, 10_000, 400);
    const gen1 = await laggard.join();
    await a.request(ApiKey.SyncGroup, 3, syncBody(group, gen1.generationId, laggard.memberId, {}));

    const newcomer = await joinAsNew(b, group, 10_000, 400);
    const started = Date.now();
    const joined = await newcomer.join();

    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(joined).toMatchObject({ errorCode: 0, generationId: gen1.generationId + 1, leaderId: newcomer.memberId });
    expect(joined.members.map((m) => m.memberId)).toEqual([newcomer.memberId]);
    expect(readErrorOnly(await a.request(ApiKey.Heartbeat, 3, heartbeatBody(group, gen1.generationId, laggard.memberId)))).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  test('accepts generation -1 commits only while the group has no members', async () => {
    broker.createTopic('raw-commits', 1);
    const c = await client();
    expect(readCommitResponse(await c.request(ApiKey.OffsetCommit, 5, commitBody('raw-standalone', -1, '', 'raw-commits', 0, 42)))).toBe(ErrorCode.NONE);
    expect(broker.committedOffset('raw-standalone', 'raw-commits', 0)).toBe(42);
    expect(readCommitResponse(await c.request(ApiKey.OffsetCommit, 5, commitBody('raw-standalone', -1, '', 'no-such-topic', 0, 1)))).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );

    const member = await joinAsNew(c, 'raw-standalone');
    const joined = await member.join();
    expect(readCommitResponse(await c.request(ApiKey.OffsetCommit, 5, commitBody('raw-standalone', -1, '', 'raw-commits', 0, 7)))).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    await c.request(ApiKey.SyncGroup, 3, syncBody('raw-standalone', joined.generationId, member.memberId, {}));
    expect(readCommitResponse(await c.request(ApiKey.OffsetCommit, 5, commitBody('raw-standalone', -1, '', 'raw-commits', 0, 7)))).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect(
      readCommitResponse(await c.request(ApiKey.OffsetCommit, 5, commitBody('raw-standalone', joined.generationId, member.memberId, 'raw-commits', 0, 8))),
    ).toBe(ErrorCode.NONE);
    expect(broker.committedOffset('raw-standalone', 'raw-commits', 0)).toBe(8);
  });
});
