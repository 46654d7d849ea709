// Record batch v2 (magic 2) validation and decoding. Layout, offsets from the batch start:
//   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8
//   17 crc uint32 | 21 attributes int16 | 23 lastOffsetDelta int32 | 27 firstTimestamp int64
//   35 maxTimestamp int64 | 43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32
//   57 recordCount int32 | 61 records...
// The CRC-32C covers bytes 21..end, so the broker may rewrite baseOffset and the leader epoch
// without recomputing it.
import { ErrorCode } from './errors';
import { ProtocolError, Reader, crc32c } from './codec';

const BATCH_OVERHEAD = 61;
const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export type HeaderValue = Buffer | null;

/** One record as stored by the test broker, decoded for assertions. */
export interface TestRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Same shape kafkajs gives consumers: a repeated header key becomes an array. */
  headers: Record<string, HeaderValue | HeaderValue[]>;
}

export interface ParsedBatch {
  /** The batch's bytes, copied out of the request so the broker may rewrite them. */
  bytes: Buffer;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  logAppendTime: boolean;
  records: Array<Omit<TestRecord, 'topic' | 'partition' | 'offset'> & { offsetDelta: number }>;
}

export class RecordBatchError extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Splits a produce request's record set into validated batches, or throws RecordBatchError. */
export function parseRecordSet(recordSet: Buffer): ParsedBatch[] {
  const batches: ParsedBatch[] = [];
  let pos = 0;
  while (pos < recordSet.length) {
    if (recordSet.length - pos < 17) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'record set ends inside a batch header');
    }
    const magic = recordSet.readInt8(pos + 16);
    if (magic !== 2) {
      throw new RecordBatchError(
        ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
        `only record batch v2 (magic 2) is supported, got magic ${magic}`,
      );
    }
    const batchLength = recordSet.readInt32BE(pos + 8);
    const total = 12 + batchLength;
    if (total < BATCH_OVERHEAD || pos + total > recordSet.length) {
      throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `record batch length ${batchLength} does not fit the record set`);
    }
    batches.push(parseBatch(Buffer.from(recordSet.subarray(pos, pos + total))));
    pos += total;
  }
  if (batches.length === 0) throw new RecordBatchError(ErrorCode.INVALID_RECORD, 'empty record set');
  return batches;
}

function parseBatch(bytes: Buffer): ParsedBatch {
  const crc = bytes.readUInt32BE(17);
  if (crc32c(bytes.subarray(21)) !== crc) {
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'record batch CRC-32C mismatch');
  }
  const attributes = bytes.readInt16BE(21);
  if ((attributes & COMPRESSION_MASK) !== 0) {
    throw new RecordBatchError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `compressed record batches are not supported by the test broker (codec ${attributes & COMPRESSION_MASK})`,
    );
  }
  if ((attributes & (TRANSACTIONAL_FLAG | CONTROL_FLAG)) !== 0) {
    throw new RecordBatchError(ErrorCode.INVALID_RECORD, 'transactional and control batches are not supported');
  }
  const lastOffsetDelta = bytes.readInt32BE(23);
  const firstTimestamp = Number(bytes.readBigInt64BE(27));
  const maxTimestamp = Number(bytes.readBigInt64BE(35));
  const recordCount = bytes.readInt32BE(57);
  if (recordCount <= 0 || recordCount !== lastOffsetDelta + 1) {
    throw new RecordBatchError(
      ErrorCode.INVALID_RECORD,
      `record count ${recordCount} does not match lastOffsetDelta ${lastOffsetDelta}`,
    );
  }
  const logAppendTime = (attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const reader = new Reader(bytes, BATCH_OVERHEAD);
  const records: ParsedBatch['records'] = [];
  try {
    for (let i = 0; i < recordCount; i++) {
      const length = reader.varint();
      const record = new Reader(reader.raw(length));
      record.int8(); // record attributes: unused in magic 2
      const timestampDelta = record.varint();
      const offsetDelta = record.varint();
      if (offsetDelta !== i) {
        throw new RecordBatchError(ErrorCode.INVALID_RECORD, `record ${i} has offsetDelta ${offsetDelta}`);
      }
      const key = copy(record.varBytes());
      const value = copy(record.varBytes());
      const headers: TestRecord['headers'] = {};
      const headerCount = record.varint();
      for (let h = 0; h < headerCount; h++) {
        const name = record.varString() ?? '';
        const headerValue = copy(record.varBytes());
        const prev = headers[name];
        headers[name] = prev === undefined ? headerValue : Array.isArray(prev) ? [...prev, headerValue] : [prev, headerValue];
      }
      if (record.remaining() !== 0) throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} has trailing bytes`);
      records.push({
        offsetDelta,
        timestamp: logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta,
        key,
        value,
        headers,
      });
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, `malformed record: ${err.message}`);
    throw err;
  }
  if (reader.remaining() !== 0) {
    throw new RecordBatchError(ErrorCode.CORRUPT_MESSAGE, 'record batch has bytes after its last record');
  }
  return { bytes, recordCount, firstTimestamp, maxTimestamp, logAppendTime, records };
}

function copy(b: Buffer | null): Buffer | null {
  return b === null ? null : Buffer.from(b);
}

/** Assigns the batch its log position; CRC stays valid because it starts at attributes. */
export function stampBatch(bytes: Buffer, baseOffset: number, leaderEpoch: number): void {
  bytes.writeBigInt64BE(BigInt(baseOffset), 0);
  bytes.writeInt32BE(leaderEpoch, 12);
}
