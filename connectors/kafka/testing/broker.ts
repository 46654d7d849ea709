// A single-node, in-memory Kafka broker speaking the binary protocol over node:net, for tests
// only. Each API is implemented at exactly one version (the newest one kafkajs 2.2.4 knows, none
// of them "flexible"), and ApiVersions advertises exactly those, so kafkajs negotiates them.
import { once } from 'node:events';
import net from 'node:net';
import { ProtocolError, Reader, Writer } from './codec';
import { ErrorCode } from './errors';
import { GroupCoordinator, GroupSnapshot } from './groups';
import { RecordBatchError, TestRecord, parseRecordSet, stampBatch } from './records';

export interface TestBrokerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only; also the host advertised in metadata. Default 127.0.0.1. */
  host?: string;
  /** Create unknown topics on Metadata requests that allow it (like auto.create.topics.enable). Default true. */
  autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with numPartitions -1. Default 1. */
  defaultPartitions?: number;
  /** Like group.initial.rebalance.delay.ms; Kafka's default is 3000, the test broker's 0. */
  initialRebalanceDelayMs?: number;
  /** Bounds accepted from JoinGroup. Kafka requires >= 6000; the test broker allows 500 for fast tests. */
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** Largest record batch accepted (message.max.bytes). Default 1 MiB + 12 like Kafka. */
  maxMessageBytes?: number;
  /** Receives one line per protocol problem (closed connections, rejected batches). */
  log?: (line: string) => void;
}

export interface TestBroker {
  readonly host: string;
  readonly port: number;
  /** Bootstrap list for kafkajs: [`host:port`]. */
  readonly brokers: string[];
  /** Creates a topic directly (no client needed); throws if it already exists. */
  createTopic(name: string, partitions?: number): void;
  topics(): string[];
  /** Every stored record of the topic (of one partition, if given), in partition then offset order. */
  messages(topic: string, partition?: number): TestRecord[];
  /** The next offset the group will read (what it committed), or null if it committed none. */
  committedOffset(groupId: string, topic: string, partition: number): number | null;
  /** The coordinator's view of a group; state 'Dead' if the group does not exist. */
  group(groupId: string): GroupSnapshot;
  close(): Promise<void>;
}

const Api = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteGroups: 42,
} as const;

/** [apiKey, minVersion, maxVersion] as answered to ApiVersions. */
const SUPPORTED_VERSIONS: ReadonlyArray<readonly [number, number, number]> = [
  [Api.Produce, 7, 7],
  [Api.Fetch, 11, 11],
  [Api.ListOffsets, 3, 3],
  [Api.Metadata, 6, 6],
  [Api.OffsetCommit, 5, 5],
  [Api.OffsetFetch, 4, 4],
  [Api.FindCoordinator, 2, 2],
  [Api.JoinGroup, 5, 5],
  [Api.Heartbeat, 3, 3],
  [Api.LeaveGroup, 3, 3],
  [Api.SyncGroup, 3, 3],
  [Api.DescribeGroups, 2, 2],
  [Api.ListGroups, 2, 2],
  [Api.ApiVersions, 0, 2],
  [Api.CreateTopics, 3, 3],
  [Api.DeleteTopics, 1, 1],
  [Api.DeleteGroups, 1, 1],
];

const NODE_ID = 0;
const CLUSTER_ID = 'flowport-test-broker';
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;
const LATEST_TIMESTAMP = -1;
const EARLIEST_TIMESTAMP = -2;
const validTopicName = (name: string) => /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
  records: TestRecord[];
}

class PartitionLog {
  readonly batches: StoredBatch[] = [];
  highWatermark = 0;
  readonly logStartOffset = 0;
  /** Parked fetches waiting for data on this partition. */
  readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Whole batches from the one holding `offset`; clients drop the records before `offset`. */
  batchesFrom(offset: number): StoredBatch[] {
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.batches[mid].lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return this.batches.slice(lo);
  }
}

interface RequestContext {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string;
  clientHost: string;
}

type Handler = (ctx: RequestContext, body: Reader) => Writer | null | Promise<Writer | null>;

class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private readonly queue: Buffer[] = [];
  private busy = false;
  closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly broker: KafkaTestBroker,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_REQUEST_BYTES) {
        this.broker.log(`closing connection: invalid request size ${size}`);
        this.close();
        return;
      }
      if (this.pending.length < 4 + size) break;
      this.queue.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    void this.pump();
  }

  // Requests of one connection are handled strictly one after another, like Kafka does, so
  // responses come back in request order even when clients pipeline.
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift() as Buffer;
        let correlationId = -1;
        try {
          const header = new Reader(frame);
          const apiKey = header.int16();
          const apiVersion = header.int16();
          correlationId = header.int32();
          const clientId = header.nullableString() ?? '';
          const ctx: RequestContext = {
            apiKey,
            apiVersion,
            correlationId,
            clientId,
            clientHost: `/${this.socket.remoteAddress ?? 'unknown'}`,
          };
          const body = await this.broker.handle(ctx, header);
          if (body && !this.closed) this.write(correlationId, body);
        } catch (err) {
          this.broker.log(`closing connection after request ${correlationId}: ${(err as Error).message}`);
          this.close();
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private write(correlationId: number, body: Writer): void {
    const payload = body.toBuffer();
    const head = Buffer.allocUnsafe(8);
    head.writeInt32BE(payload.length + 4, 0);
    head.writeInt32BE(correlationId, 4);
    this.socket.write(Buffer.concat([head, payload]));
  }
}

class KafkaTestBroker implements TestBroker {
  readonly host: string;
  port = 0;
  private readonly server: net.Server;
  private readonly topicLogs = new Map<string, PartitionLog[]>();
  private readonly connections = new Set<Connection>();
  private readonly coordinator: GroupCoordinator;
  private readonly handlers: Map<number, Handler>;
  /** Wakes every parked fetch, so close() does not wait for their maxWaitTime. */
  private readonly wakeOnClose = new Set<() => void>();
  private closing = false;

  constructor(private readonly options: Required<Omit<TestBrokerOptions, 'log'>> & Pick<TestBrokerOptions, 'log'>) {
    this.host = options.host;
    this.coordinator = new GroupCoordinator({
      minSessionTimeoutMs: options.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs,
      partitionExists: (topic, partition) => this.partition(topic, partition) !== undefined,
    });
    this.server = net.createServer((socket) => {
      if (this.closing) {
        socket.destroy();
        return;
      }
      const conn = new Connection(socket, this);
      this.connections.add(conn);
      socket.on('close', () => this.connections.delete(conn));
    });
    this.handlers = new Map<number, Handler>([
      [Api.ApiVersions, (ctx) => this.apiVersions(ctx)],
      [Api.Metadata, (_ctx, r) => this.metadata(r)],
      [Api.CreateTopics, (_ctx, r) => this.createTopics(r)],
      [Api.DeleteTopics, (_ctx, r) => this.deleteTopics(r)],
      [Api.Produce, (_ctx, r) => this.produce(r)],
      [Api.Fetch, (_ctx, r) => this.fetch(r)],
      [Api.ListOffsets, (_ctx, r) => this.listOffsets(r)],
      [Api.FindCoordinator, (_ctx, r) => this.findCoordinator(r)],
      [Api.JoinGroup, (ctx, r) => this.joinGroup(ctx, r)],
      [Api.SyncGroup, (_ctx, r) => this.syncGroup(r)],
      [Api.Heartbeat, (_ctx, r) => this.heartbeat(r)],
      [Api.LeaveGroup, (_ctx, r) => this.leaveGroup(r)],
      [Api.OffsetCommit, (_ctx, r) => this.offsetCommit(r)],
      [Api.OffsetFetch, (_ctx, r) => this.offsetFetch(r)],
      [Api.DescribeGroups, (_ctx, r) => this.describeGroups(r)],
      [Api.ListGroups, () => this.listGroups()],
      [Api.DeleteGroups, (_ctx, r) => this.deleteGroups(r)],
    ]);
  }

  get brokers(): string[] {
    return [`${this.host}:${this.port}`];
  }

  async listen(): Promise<void> {
    this.server.listen(this.options.port, this.host);
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  // ---- test-facing API ----

  createTopic(name: string, partitions = this.options.defaultPartitions): void {
    if (!validTopicName(name)) throw new Error(`invalid topic name "${name}"`);
    if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`invalid partition count ${partitions}`);
    if (this.topicLogs.has(name)) throw new Error(`topic "${name}" already exists`);
    this.topicLogs.set(name, Array.from({ length: partitions }, () => new PartitionLog()));
  }

  topics(): string[] {
    return [...this.topicLogs.keys()];
  }

  messages(topic: string, partition?: number): TestRecord[] {
    const logs = this.topicLogs.get(topic);
    if (!logs) throw new Error(`unknown topic "${topic}"`);
    if (partition !== undefined && !logs[partition]) throw new Error(`topic "${topic}" has no partition ${partition}`);
    const selected = partition === undefined ? logs : [logs[partition]];
    return selected.flatMap((log) => log.batches.flatMap((b) => b.records));
  }

  committedOffset(groupId: string, topic: string, partition: number): number | null {
    return this.coordinator.committedOffset(groupId, topic, partition);
  }

  group(groupId: string): GroupSnapshot {
    return this.coordinator.describe(groupId);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const wake of [...this.wakeOnClose]) wake();
    this.coordinator.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.close();
    await closed;
  }

  // ---- dispatch ----

  async handle(ctx: RequestContext, body: Reader): Promise<Writer | null> {
    const supported = SUPPORTED_VERSIONS.find(([key]) => key === ctx.apiKey);
    if (ctx.apiKey === Api.ApiVersions && supported && ctx.apiVersion > supported[2]) {
      // Answered in the v0 layout so the client can read the error and retry with a lower version.
      return this.apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION, 0);
    }
    const handler = this.handlers.get(ctx.apiKey);
    if (!supported || !handler || ctx.apiVersion < supported[1] || ctx.apiVersion > supported[2]) {
      // Kafka closes the connection on a request it cannot parse; so does the test broker.
      throw new ProtocolError(`unsupported API key ${ctx.apiKey} version ${ctx.apiVersion}`);
    }
    return handler(ctx, body);
  }

  private partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topicLogs.get(topic)?.[partition];
  }

  // ---- ApiVersions v0-v2 ----

  private apiVersions(ctx: RequestContext): Writer {
    return this.apiVersionsBody(ErrorCode.NONE, ctx.apiVersion);
  }

  private apiVersionsBody(errorCode: ErrorCode, version: number): Writer {
    const w = new Writer().int16(errorCode);
    w.array(SUPPORTED_VERSIONS, (w, [key, min, max]) => w.int16(key).int16(min).int16(max));
    if (version >= 1) w.int32(0);
    return w;
  }

  // ---- Metadata v6 ----

  private metadata(r: Reader): Writer {
    const requested = r.nullableArray((r) => r.string());
    const allowAutoCreate = r.boolean();
    if (requested && allowAutoCreate && this.options.autoCreateTopics) {
      for (const name of requested) if (!this.topicLogs.has(name) && validTopicName(name)) this.createTopic(name);
    }
    const names = requested ?? this.topics();
    const w = new Writer().int32(0);
    w.array([NODE_ID], (w, id) => w.int32(id).string(this.host).int32(this.port).string(null));
    w.string(CLUSTER_ID).int32(NODE_ID);
    w.array(names, (w, name) => {
      const logs = this.topicLogs.get(name);
      const errorCode = logs
        ? ErrorCode.NONE
        : validTopicName(name)
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : ErrorCode.INVALID_TOPIC_EXCEPTION;
      w.int16(errorCode).string(name).boolean(false);
      w.array(logs ? logs.map((_, i) => i) : [], (w, partition) => {
        w.int16(ErrorCode.NONE).int32(partition).int32(NODE_ID);
        w.array([NODE_ID], (w, id) => w.int32(id));
        w.array([NODE_ID], (w, id) => w.int32(id));
        w.array([], (w) => w);
      });
    });
    return w;
  }

  // ---- CreateTopics v3 / DeleteTopics v1 ----

  private createTopics(r: Reader): Writer {
    const topics = r.array((r) => ({
      name: r.string(),
      numPartitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((r) => ({ partition: r.int32(), replicas: r.array((r) => r.int32()) })),
      configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
    }));
    r.int32(); // timeout: creation is immediate
    const validateOnly = r.boolean();
    const results = topics.map((t) => {
      const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? this.options.defaultPartitions : t.numPartitions;
      if (!validTopicName(t.name)) {
        return { name: t.name, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: `invalid topic name "${t.name}"` };
      }
      if (this.topicLogs.has(t.name)) {
        return { name: t.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };
      }
      if (partitions < 1) return { name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' };
      if (t.replicationFactor > 1) {
        return {
          name: t.name,
          errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
          message: `Replication factor: ${t.replicationFactor} larger than available brokers: 1.`,
        };
      }
      if (!validateOnly) this.createTopic(t.name, partitions);
      return { name: t.name, errorCode: ErrorCode.NONE, message: null };
    });
    return new Writer()
      .int32(0)
      .array(results, (w, t) => w.string(t.name).int16(t.errorCode).string(t.message));
  }

  private deleteTopics(r: Reader): Writer {
    const names = r.array((r) => r.string());
    r.int32(); // timeout: deletion is immediate
    const results = names.map((name) => {
      const logs = this.topicLogs.get(name);
      if (!logs) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      this.topicLogs.delete(name);
      this.coordinator.deleteTopicOffsets(name);
      // Parked fetches on the topic must answer now (with UNKNOWN_TOPIC_OR_PARTITION).
      for (const log of logs) log.notify();
      return { name, errorCode: ErrorCode.NONE };
    });
    return new Writer().int32(0).array(results, (w, t) => w.string(t.name).int16(t.errorCode));
  }

  // ---- Produce v7 ----

  private produce(r: Reader): Writer | null {
    r.nullableString(); // transactional id: transactions are not supported (no InitProducerId)
    const acks = r.int16();
    r.int32(); // timeout: appends are synchronous
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), records: r.nullableBytes() })),
    }));
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(({ partition, records }) => {
        const done = (errorCode: ErrorCode, baseOffset = -1) => ({ partition, errorCode, baseOffset, logStartOffset: this.partition(t.name, partition)?.logStartOffset ?? -1 });
        if (acks !== 0 && acks !== 1 && acks !== -1) return done(ErrorCode.INVALID_REQUIRED_ACKS);
        const log = this.partition(t.name, partition);
        if (!log) return done(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        try {
          const batches = parseRecordSet(records ?? Buffer.alloc(0));
          const tooLarge = batches.find((b) => b.bytes.length > this.options.maxMessageBytes);
          if (tooLarge) {
            throw new RecordBatchError(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${tooLarge.bytes.length} bytes exceeds ${this.options.maxMessageBytes}`);
          }
          const baseOffset = log.highWatermark;
          for (const batch of batches) {
            const first = log.highWatermark;
            stampBatch(batch.bytes, first, 0);
            log.batches.push({
              baseOffset: first,
              lastOffset: first + batch.recordCount - 1,
              bytes: batch.bytes,
              records: batch.records.map(({ offsetDelta, ...rec }) => ({ topic: t.name, partition, offset: first + offsetDelta, ...rec })),
            });
            log.highWatermark += batch.recordCount;
          }
          log.notify();
          return done(ErrorCode.NONE, baseOffset);
        } catch (err) {
          if (!(err instanceof RecordBatchError)) throw err;
          this.log(`produce to ${t.name}-${partition} rejected (error ${err.errorCode}): ${err.message}`);
          return done(err.errorCode);
        }
      }),
    }));
    if (acks === 0) return null;
    return new Writer()
      .array(results, (w, t) =>
        w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(-1).int64(p.logStartOffset)),
      )
      .int32(0);
  }

  // ---- Fetch v11 ----

  private async fetch(r: Reader): Promise<Writer> {
    r.int32(); // replica id: consumers only
    const maxWaitMs = r.int32();
    const minBytes = r.int32();
    const maxBytes = r.int32();
    r.int8(); // isolation level: without transactions the last stable offset is the high watermark
    r.int32(); // session id: fetch sessions (KIP-227) are not kept; every fetch is a full fetch
    r.int32(); // session epoch
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => {
        const partition = r.int32();
        r.int32(); // current leader epoch
        const fetchOffset = r.int64();
        r.int64(); // follower log start offset
        return { partition, fetchOffset, maxBytes: r.int32() };
      }),
    }));
    r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) })); // forgotten topics
    r.string(); // rack id

    const deadline = Date.now() + Math.max(0, maxWaitMs);
    for (;;) {
      const result = this.collectFetch(topics, maxBytes);
      const remaining = deadline - Date.now();
      // Like Kafka, answer at once when there is nothing to wait for: no partitions, an error,
      // enough bytes, or the deadline.
      const nothingRequested = topics.every((t) => t.partitions.length === 0);
      if (nothingRequested || result.hasError || result.bytes >= Math.max(1, minBytes) || remaining <= 0 || this.closing) {
        return result.writer;
      }
      await this.waitForData(topics, remaining);
    }
  }

  private collectFetch(
    topics: Array<{ name: string; partitions: Array<{ partition: number; fetchOffset: number; maxBytes: number }> }>,
    maxBytes: number,
  ): { writer: Writer; bytes: number; hasError: boolean } {
    let total = 0;
    let hasError = false;
    const w = new Writer().int32(0).int16(ErrorCode.NONE).int32(0);
    w.array(topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        const log = this.partition(t.name, p.partition);
        let errorCode: ErrorCode = ErrorCode.NONE;
        const chunks: Buffer[] = [];
        if (!log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.highWatermark) errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        else {
          let size = 0;
          for (const batch of log.batchesFrom(p.fetchOffset)) {
            const fits = size + batch.bytes.length <= p.maxBytes && total + size + batch.bytes.length <= maxBytes;
            // KIP-74: the first batch of the response is returned even if it exceeds the limits,
            // otherwise a consumer could never make progress past a large batch.
            if (!fits && !(total === 0 && size === 0)) break;
            chunks.push(batch.bytes);
            size += batch.bytes.length;
          }
          total += size;
        }
        if (errorCode !== ErrorCode.NONE) hasError = true;
        const hw = log ? log.highWatermark : -1;
        w.int32(p.partition).int16(errorCode).int64(hw).int64(hw).int64(log ? log.logStartOffset : -1);
        w.array([], (w) => w); // aborted transactions
        w.int32(-1); // preferred read replica: none
        w.bytes(Buffer.concat(chunks));
      });
    });
    return { writer: w, bytes: total, hasError };
  }

  private waitForData(topics: Array<{ name: string; partitions: Array<{ partition: number }> }>, timeoutMs: number): Promise<void> {
    const logs = topics.flatMap((t) => t.partitions.map((p) => this.partition(t.name, p.partition))).filter((l) => l !== undefined);
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const log of logs) log.listeners.delete(done);
        this.wakeOnClose.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const log of logs) log.listeners.add(done);
      this.wakeOnClose.add(done);
    });
  }

  // ---- ListOffsets v3 ----

  private listOffsets(r: Reader): Writer {
    r.int32(); // replica id
    r.int8(); // isolation level
    const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })) }));
    return new Writer().int32(0).array(topics, (w, t) =>
      w.string(t.name).array(t.partitions, (w, p) => {
        const log = this.partition(t.name, p.partition);
        if (!log) {
          w.int32(p.partition).int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
          return;
        }
        let offset: number;
        let timestamp = -1;
        if (p.timestamp === LATEST_TIMESTAMP) offset = log.highWatermark;
        else if (p.timestamp === EARLIEST_TIMESTAMP) offset = log.logStartOffset;
        else {
          const hit = log.batches.flatMap((b) => b.records).find((rec) => rec.timestamp >= p.timestamp);
          offset = hit ? hit.offset : -1;
          timestamp = hit ? hit.timestamp : -1;
        }
        w.int32(p.partition).int16(ErrorCode.NONE).int64(timestamp).int64(offset);
      }),
    );
  }

  // ---- group coordination ----

  private findCoordinator(r: Reader): Writer {
    r.string(); // key: this single node coordinates every group
    r.int8(); // type
    return new Writer().int32(0).int16(ErrorCode.NONE).string(null).int32(NODE_ID).string(this.host).int32(this.port);
  }

  private async joinGroup(ctx: RequestContext, r: Reader): Promise<Writer> {
    const req = {
      groupId: r.string(),
      sessionTimeoutMs: r.int32(),
      rebalanceTimeoutMs: r.int32(),
      memberId: r.string(),
      groupInstanceId: r.nullableString(),
      protocolType: r.string(),
      protocols: r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) })),
      clientId: ctx.clientId,
      clientHost: ctx.clientHost,
    };
    const res = await this.coordinator.join(req, ctx.apiVersion);
    return new Writer()
      .int32(0)
      .int16(res.errorCode)
      .int32(res.generationId)
      .string(res.protocolName)
      .string(res.leaderId)
      .string(res.memberId)
      .array(res.members, (w, m) => w.string(m.memberId).string(m.groupInstanceId).bytes(m.metadata));
  }

  private async syncGroup(r: Reader): Promise<Writer> {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    r.nullableString(); // group instance id: static membership is not supported
    const assignments = new Map(r.array((r) => [r.string(), Buffer.from(r.bytes())] as const));
    const res = await this.coordinator.sync(groupId, generationId, memberId, assignments);
    return new Writer().int32(0).int16(res.errorCode).bytes(res.assignment);
  }

  private heartbeat(r: Reader): Writer {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    r.nullableString(); // group instance id
    return new Writer().int32(0).int16(this.coordinator.heartbeat(groupId, generationId, memberId));
  }

  private leaveGroup(r: Reader): Writer {
    const groupId = r.string();
    const members = r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }));
    const errors = this.coordinator.leave(
      groupId,
      members.map((m) => m.memberId),
    );
    const results = members.map((m, i) => ({ ...m, errorCode: errors[i] }));
    return new Writer()
      .int32(0)
      .int16(ErrorCode.NONE)
      .array(results, (w, m) => w.string(m.memberId).string(m.groupInstanceId).int16(m.errorCode));
  }

  private offsetCommit(r: Reader): Writer {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
    }));
    const flat = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, ...p })));
    const errors = this.coordinator.commit(groupId, generationId, memberId, flat);
    let i = 0;
    return new Writer().int32(0).array(topics, (w, t) => w.string(t.name).array(t.partitions, (w, p) => w.int32(p.partition).int16(errors[i++])));
  }

  private offsetFetch(r: Reader): Writer {
    const groupId = r.string();
    const topics = r.nullableArray((r) => ({ topic: r.string(), partitions: r.array((r) => r.int32()) }));
    const result = this.coordinator.fetchOffsets(groupId, topics);
    return new Writer()
      .int32(0)
      .array(result, (w, t) =>
        w.string(t.topic).array(t.partitions, (w, p) => w.int32(p.partition).int64(p.offset).string(p.metadata).int16(ErrorCode.NONE)),
      )
      .int16(ErrorCode.NONE);
  }

  private describeGroups(r: Reader): Writer {
    const groupIds = r.array((r) => r.string());
    return new Writer().int32(0).array(groupIds, (w, groupId) => {
      const g = this.coordinator.describe(groupId);
      w.int16(ErrorCode.NONE).string(groupId).string(g.state).string(g.protocolType).string(g.protocol);
      w.array(g.members, (w, m) => w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment));
    });
  }

  private listGroups(): Writer {
    return new Writer()
      .int32(0)
      .int16(ErrorCode.NONE)
      .array(this.coordinator.list(), (w, g) => w.string(g.groupId).string(g.protocolType));
  }

  private deleteGroups(r: Reader): Writer {
    const groupIds = r.array((r) => r.string());
    return new Writer().int32(0).array(groupIds, (w, groupId) => w.string(groupId).int16(this.coordinator.deleteGroup(groupId)));
  }
}

/** Starts a test broker listening on loopback; `close()` it in afterAll. */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const host = options.host ?? '127.0.0.1';
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) throw new Error(`the test broker only listens on loopback, not ${host}`);
  const broker = new KafkaTestBroker({
    port: options.port ?? 0,
    host,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 500,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 300_000,
    maxMessageBytes: options.maxMessageBytes ?? 1_048_588,
    log: options.log,
  });
  await broker.listen();
  return broker;
}
