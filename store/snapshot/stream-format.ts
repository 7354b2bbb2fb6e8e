// The byte stream a state snapshot travels as. It can be cut into chunks anywhere:
//
//   magic "LODESNAP" | format u8 | header (length-prefixed: applied index, revision, confState)
//   record*:  1 u8 | key (length-prefixed) | value (length-prefixed)
//   trailer:  0 u8 | record count varint | SHA-256 of every byte before the digest (32 bytes)
//
// Keys are relative to the state generation, so a snapshot installs into any generation.
import { createHash, type Hash } from 'node:crypto';
import type { ConfState } from '../../raft/types.js';
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import { readConfState, writeConfState } from '../codec/raft-codec.js';
import { SnapshotCorruptError, StoreError } from '../errors.js';

const MAGIC = new TextEncoder().encode('LODESNAP');
const FORMAT = 1;
const RECORD = 1;
const TRAILER = 0;
const DIGEST_BYTES = 32;
/** No record is anywhere near this; a larger length means corruption, not a record to wait for. */
const MAX_FIELD_BYTES = 64 * 1024 * 1024;

export interface SnapshotHeader {
  readonly appliedIndex: number;
  readonly revision: number;
  readonly confState: ConfState;
}

export interface SnapshotRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Encodes a snapshot: write the records, then take the trailer. Output is handed out in chunks. */
export class SnapshotEncoder {
  private readonly hash: Hash = createHash('sha256');
  private out = new ByteWriter(64 * 1024);
  private count = 0;

  constructor(
    header: SnapshotHeader,
    private readonly chunkBytes: number,
  ) {
    const h = writeConfState(new ByteWriter().uvarint(header.appliedIndex).uvarint(header.revision), header.confState).finish();
    this.out.raw(MAGIC).u8(FORMAT).bytes(h);
  }

  /** Adds a record; returns a full chunk when one is ready. */
  add(key: Uint8Array, value: Uint8Array): Uint8Array | undefined {
    this.out.u8(RECORD).bytes(key).bytes(value);
    this.count++;
    return this.out.length >= this.chunkBytes ? this.flush() : undefined;
  }

  /** The last chunk: what is left, and the trailer. */
  finish(): Uint8Array {
    this.out.u8(TRAILER).uvarint(this.count);
    const body = this.flush();
    const digest = this.hash.digest();
    const last = new Uint8Array(body.length + digest.length);
    last.set(body, 0);
    last.set(digest, body.length);
    return last;
  }

  private flush(): Uint8Array {
    const chunk = this.out.finish().slice();
    this.hash.update(chunk);
    this.out = new ByteWriter(Math.min(this.chunkBytes * 2, 4 * 1024 * 1024));
    return chunk;
  }
}

/**
 * Decodes a snapshot from chunks cut anywhere. push() returns the records completed by a chunk;
 * finish() throws unless the stream ended exactly after a trailer whose checksum matches.
 */
export class SnapshotDecoder {
  private readonly hash: Hash = createHash('sha256');
  private buf: Uint8Array = new Uint8Array(0);
  private headerValue: SnapshotHeader | undefined;
  private count = 0;
  private done = false;

  get header(): SnapshotHeader | undefined {
    return this.headerValue;
  }

  push(chunk: Uint8Array): SnapshotRecord[] {
    if (this.done) {
      if (chunk.length > 0) throw new SnapshotCorruptError('data after the trailer');
      return [];
    }
    this.buf = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const records: SnapshotRecord[] = [];
    let pos = 0;
    for (;;) {
      const next = this.headerValue === undefined ? this.readHeader(pos) : this.readItem(pos, records);
      if (next === undefined) break;
      pos = next;
      if (this.done) {
        // Everything up to here is covered by the digest that follows.
        this.hash.update(this.buf.subarray(0, pos));
        this.verifyDigest(pos);
        if (pos + DIGEST_BYTES !== this.buf.length) throw new SnapshotCorruptError('data after the trailer');
        this.buf = new Uint8Array(0);
        return records;
      }
    }
    this.hash.update(this.buf.subarray(0, pos));
    this.buf = this.buf.subarray(pos);
    return records;
  }

  finish(): SnapshotHeader {
    if (!this.done || this.headerValue === undefined) throw new SnapshotCorruptError('stream ended early');
    return this.headerValue;
  }

  /** Parses the header at pos; returns the position after it, or undefined if more bytes are needed. */
  private readHeader(pos: number): number | undefined {
    if (this.buf.length < pos + MAGIC.length + 1) return undefined;
    for (let i = 0; i < MAGIC.length; i++) {
      if (this.buf[pos + i] !== MAGIC[i]) throw new SnapshotCorruptError('not a snapshot stream');
    }
    if (this.buf[pos + MAGIC.length] !== FORMAT) throw new SnapshotCorruptError(`unknown format ${this.buf[pos + MAGIC.length]}`);
    const field = this.readField(pos + MAGIC.length + 1);
    if (field === undefined) return undefined;
    this.headerValue = parse('header', field.bytes, (r) => ({
      appliedIndex: r.uvarint(),
      revision: r.uvarint(),
      confState: readConfState(r),
    }));
    return field.end;
  }

  /** Parses a record or the trailer's counted part; undefined if more bytes are needed. */
  private readItem(pos: number, records: SnapshotRecord[]): number | undefined {
    if (this.buf.length <= pos) return undefined;
    const tag = this.buf[pos];
    if (tag === RECORD) {
      const key = this.readField(pos + 1);
      if (key === undefined) return undefined;
      const value = this.readField(key.end);
      if (value === undefined) return undefined;
      records.push({ key: key.bytes, value: value.bytes });
      this.count++;
      return value.end;
    }
    if (tag !== TRAILER) throw new SnapshotCorruptError(`unknown item tag ${tag}`);
    const count = readVarint(this.buf, pos + 1);
    if (count === undefined || this.buf.length < count.end + DIGEST_BYTES) return undefined;
    if (count.value !== this.count) throw new SnapshotCorruptError(`trailer counts ${count.value} records, stream had ${this.count}`);
    this.done = true;
    return count.end;
  }

  private verifyDigest(pos: number): void {
    const expected = this.hash.digest();
    const actual = this.buf.subarray(pos, pos + DIGEST_BYTES);
    if (Buffer.compare(expected, actual) !== 0) throw new SnapshotCorruptError('checksum mismatch');
  }

  private readField(pos: number): { bytes: Uint8Array; end: number } | undefined {
    const len = readVarint(this.buf, pos);
    if (len === undefined) return undefined;
    if (len.value > MAX_FIELD_BYTES) throw new SnapshotCorruptError(`field of ${len.value} bytes`);
    const end = len.end + len.value;
    if (this.buf.length < end) return undefined;
    // Copied: the records outlive this chunk buffer, which may be large.
    return { bytes: this.buf.slice(len.end, end), end };
  }
}

/** A varint at pos, or undefined if the buffer ends inside it. */
function readVarint(buf: Uint8Array, pos: number): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, end: pos + i + 1 };
    scale *= 0x80;
  }
  throw new SnapshotCorruptError('varint too long');
}

function parse<T>(what: string, bytes: Uint8Array, read: (r: ByteReader) => T): T {
  try {
    const r = new ByteReader(bytes);
    const v = read(r);
    r.end();
    return v;
  } catch (err) {
    if (err instanceof StoreError) throw new SnapshotCorruptError(`bad ${what}: ${err.message}`);
    throw err;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
