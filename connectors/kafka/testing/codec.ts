// Primitive Kafka wire types (big-endian ints, int16-prefixed strings, int32-prefixed bytes and
// arrays, zig-zag varints for record batches) and CRC32C. Only the non-flexible encodings are
// needed because the broker advertises no flexible (tagged-field) API versions.

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new ProtocolError(`truncated message: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  // Offsets and timestamps stay far below 2^53 in a test broker, so plain numbers are exact.
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    this.need(len);
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  string(): string {
    const v = this.nullableString();
    if (v === null) throw new ProtocolError('unexpected null string');
    return v;
  }

  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    return this.raw(len);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  raw(len: number): Buffer {
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** A null array (length -1) reads as null so callers can tell "all" from "none". */
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0 || len > this.remaining()) throw new ProtocolError(`bad array length ${len}`);
    const out: T[] = [];
    for (let i = 0; i < len; i++) out.push(item(this));
    return out;
  }

  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new ProtocolError('varint too long');
    }
  }

  varint(): number {
    const u = this.uvarint();
    // Zig-zag decoding done arithmetically: bitwise ops would truncate varlongs to 32 bits.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  varBytes(): Buffer | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolError(`bad varint length ${len}`);
    return this.raw(len);
  }

  varString(): string | null {
    const b = this.varBytes();
    return b === null ? null : b.toString('utf8');
  }
}

export class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  int8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeInt8(v);
    return this.push(b);
  }

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    return this.push(b);
  }

  int64(v: number | bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(v));
    return this.push(b);
  }

  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }

  bytes(v: Buffer | null): this {
    if (v === null) return this.int32(-1);
    return this.int32(v.length).push(v);
  }

  raw(v: Buffer): this {
    return this.push(v);
  }

  array<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  uvarint(v: number): this {
    const out: number[] = [];
    let n = v;
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
    return this.push(Buffer.from(out));
  }

  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varBytes(v: Buffer | null): this {
    if (v === null) return this.varint(-1);
    return this.varint(v.length).push(v);
  }

  size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the checksum of record batch v2; zlib only offers CRC-32 (IEEE). */
export function crc32c(buf: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = CRC32C_TABLE[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
