// A bare Kafka protocol client for the tests that need exact control over bytes, timing and group
// membership (pipelining, split frames, corrupted batches, members that stop heartbeating), none
// of which kafkajs lets a test do on purpose.
import net from 'node:net';
import { once } from 'node:events';
import { Reader, Writer, crc32c } from '../testing/codec';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  OffsetCommit: 8,
  Metadata: 3,
  JoinGroup: 11,
  Heartbeat: 12,
  SyncGroup: 14,
  ApiVersions: 18,
} as const;

export class RawClient {
  private buffer = Buffer.alloc(0);
  private nextCorrelationId = 1;
  private readonly waiting = new Map<number, (body: Reader) => void>();
  /** Correlation ids in the order their responses arrived. */
  readonly arrivals: number[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    this.closed = once(socket, 'close').then(() => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  /** A complete size-prefixed request frame (request header v1). */
  frame(apiKey: number, apiVersion: number, body: Writer, correlationId = this.nextCorrelationId++): { correlationId: number; bytes: Buffer } {
    const payload = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string('raw-client').raw(body.toBuffer()).toBuffer();
    return { correlationId, bytes: new Writer().int32(payload.length).raw(payload).toBuffer() };
  }

  response(correlationId: number): Promise<Reader> {
    return new Promise((resolve) => this.waiting.set(correlationId, resolve));
  }

  async request(apiKey: number, apiVersion: number, body: Writer): Promise<Reader> {
    const { correlationId, bytes } = this.frame(apiKey, apiVersion, body);
    const response = this.response(correlationId);
    this.socket.write(bytes);
    return response;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
      const size = this.buffer.readInt32BE(0);
      const frame = this.buffer.subarray(4, 4 + size);
      this.buffer = this.buffer.subarray(4 + size);
      const reader = new Reader(frame);
      const correlationId = reader.int32();
      this.arrivals.push(correlationId);
      this.waiting.get(correlationId)?.(reader);
      this.waiting.delete(correlationId);
    }
  }
}

export interface RawRecord {
  key?: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** An uncompressed record batch v2 with base offset 0, as a producer sends it. */
export function recordBatch(records: RawRecord[], timestamp = Date.now(), attributes = 0): Buffer {
  const body = new Writer()
    .int16(attributes)
    .int32(records.length - 1)
    .int64(timestamp)
    .int64(timestamp)
    .int64(-1)
    .int16(-1)
    .int32(-1)
    .int32(records.length);
  records.forEach((r, i) => {
    const headers = Object.entries(r.headers ?? {});
    const rec = new Writer()
      .int8(0)
      .varint(0)
      .varint(i)
      .varBytes(r.key == null ? null : Buffer.from(r.key))
      .varBytes(r.value === null ? null : Buffer.from(r.value))
      .varint(headers.length);
    for (const [k, v] of headers) rec.varBytes(Buffer.from(k)).varBytes(Buffer.from(v));
    body.varint(rec.size()).raw(rec.toBuffer());
  });
  const bodyBytes = body.toBuffer();
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(bodyBytes));
  return new Writer()
    .int64(0)
    .int32(4 + 1 + 4 + bodyBytes.length)
    .int32(-1)
    .int8(2)
    .raw(crc)
    .raw(bodyBytes)
    .toBuffer();
}

export function produceBody(topic: string, partition: number, records: Buffer, acks = -1): Writer {
  return new Writer()
    .string(null)
    .int16(acks)
    .int32(5000)
    .array([topic], (w, t) => w.string(t).array([partition], (w, p) => w.int32(p).bytes(records)));
}

export function readProduceResponse(r: Reader): { errorCode: number; baseOffset: number } {
  const [[result]] = r.array((r) => {
    r.string();
    return r.array((r) => {
      r.int32();
      const errorCode = r.int16();
      const baseOffset = r.int64();
      r.int64();
      r.int64();
      return { errorCode, baseOffset };
    });
  });
  return result;
}

export function fetchBody(topic: string, partition: number, offset: number, maxWaitMs: number, minBytes = 1): Writer {
  return new Writer()
    .int32(-1)
    .int32(maxWaitMs)
    .int32(minBytes)
    .int32(1024 * 1024)
    .int8(0)
    .int32(0)
    .int32(-1)
    .array([topic], (w, t) =>
      w.string(t).array([partition], (w, p) => w.int32(p).int32(-1).int64(offset).int64(-1).int32(1024 * 1024)),
    )
    .array([], (w) => w)
    .string('');
}

export interface RawBatch {
  baseOffset: number;
  crc: number;
  crcOfContent: number;
  recordCount: number;
}

export function readFetchResponse(r: Reader): { errorCode: number; highWatermark: number; batches: RawBatch[] } {
  r.int32();
  r.int16();
  r.int32();
  const [[partition]] = r.array((r) => {
    r.string();
    return r.array((r) => {
      r.int32();
      const errorCode = r.int16();
      const highWatermark = r.int64();
      r.int64();
      r.int64();
      r.array((r) => [r.int64(), r.int64()]);
      r.int32();
      return { errorCode, highWatermark, records: r.bytes() };
    });
  });
  const batches: RawBatch[] = [];
  for (let pos = 0; pos < partition.records.length; ) {
    const bytes = partition.records.subarray(pos, pos + 12 + partition.records.readInt32BE(pos + 8));
    batches.push({
      baseOffset: Number(bytes.readBigInt64BE(0)),
      crc: bytes.readUInt32BE(17),
      crcOfContent: crc32c(bytes.subarray(21)),
      recordCount: bytes.readInt32BE(57),
    });
    pos += bytes.length;
  }
  return { errorCode: partition.errorCode, highWatermark: partition.highWatermark, batches };
}

export interface JoinResponse {
  errorCode: number;
  generationId: number;
  protocol: string;
  leaderId: string;
  memberId: string;
  members: Array<{ memberId: string; metadata: string }>;
}

export function joinBody(groupId: string, memberId: string, sessionTimeoutMs: number, rebalanceTimeoutMs: number, metadata: string): Writer {
  return new Writer()
    .string(groupId)
    .int32(sessionTimeoutMs)
    .int32(rebalanceTimeoutMs)
    .string(memberId)
    .string(null)
    .string('consumer')
    .array(['range'], (w, name) => w.string(name).bytes(Buffer.from(metadata)));
}

export function readJoinResponse(r: Reader): JoinResponse {
  r.int32();
  return {
    errorCode: r.int16(),
    generationId: r.int32(),
    protocol: r.string(),
    leaderId: r.string(),
    memberId: r.string(),
    members: r.array((r) => {
      const memberId = r.string();
      r.nullableString();
      return { memberId, metadata: r.bytes().toString() };
    }),
  };
}

export function syncBody(groupId: string, generationId: number, memberId: string, assignments: Record<string, string>): Writer {
  return new Writer()
    .string(groupId)
    .int32(generationId)
    .string(memberId)
    .string(null)
    .array(Object.entries(assignments), (w, [id, bytes]) => w.string(id).bytes(Buffer.from(bytes)));
}

export function readSyncResponse(r: Reader): { errorCode: number; assignment: string } {
  r.int32();
  return { errorCode: r.int16(), assignment: r.bytes().toString() };
}

export function heartbeatBody(groupId: string, generationId: number, memberId: string): Writer {
  return new Writer().string(groupId).int32(generationId).string(memberId).string(null);
}

export function readErrorOnly(r: Reader): number {
  r.int32();
  return r.int16();
}

export function commitBody(groupId: string, generationId: number, memberId: string, topic: string, partition: number, offset: number): Writer {
  return new Writer()
    .string(groupId)
    .int32(generationId)
    .string(memberId)
    .array([topic], (w, t) => w.string(t).array([partition], (w, p) => w.int32(p).int64(offset).string(null)));
}

export function readCommitResponse(r: Reader): number {
  r.int32();
  const [[errorCode]] = r.array((r) => {
    r.string();
    return r.array((r) => {
      r.int32();
      return r.int16();
    });
  });
  return errorCode;
}
