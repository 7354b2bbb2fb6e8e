// How one revision of a key is stored: the LevelDB key is the revision (main, sub), the value is
//   flags u8 (1 = tombstone, 2 = has lease) | key (length-prefixed)
//   then, unless a tombstone: createRevision varint | version varint | lease i64 (if flagged) | value
// modRevision is the revision's main number and is not repeated.
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import { CorruptDataError } from '../errors.js';
import type { KeyValue } from './types.js';

const TOMBSTONE = 1;
const HAS_LEASE = 2;

export function encodeKv(kv: KeyValue): Uint8Array {
  const hasLease = kv.lease !== 0n;
  const w = new ByteWriter(kv.key.length + kv.value.length + 24);
  w.u8(hasLease ? HAS_LEASE : 0).bytes(kv.key).uvarint(kv.createRevision).uvarint(kv.version);
  if (hasLease) w.i64(kv.lease);
  return w.raw(kv.value).finish();
}

export function encodeTombstone(key: Uint8Array): Uint8Array {
  return new ByteWriter(key.length + 4).u8(TOMBSTONE).bytes(key).finish();
}

export function decodeKv(modRevision: number, bytes: Uint8Array): KeyValue {
  const r = new ByteReader(bytes);
  const flags = r.u8();
  const key = r.bytes();
  if (flags & TOMBSTONE) return { key, createRevision: 0, modRevision, version: 0, value: new Uint8Array(), lease: 0n };
  const createRevision = r.uvarint();
  const version = r.uvarint();
  const lease = flags & HAS_LEASE ? r.i64() : 0n;
  return { key, createRevision, modRevision, version, value: r.rest(), lease };
}

/** What rebuilding the index needs: the key (as a binary string), and for a put its creation and version. */
export interface IndexEntry {
  readonly key: string;
  readonly tombstone: boolean;
  readonly createRevision: number;
  readonly version: number;
}

/**
 * Runs once per stored revision at startup, so it reads the few fields it needs in place, without
 * allocating readers.
 */
export function decodeIndexEntry(bytes: Uint8Array): IndexEntry {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = varintAt(buf, 1);
  const start = cursor;
  if (start + len > buf.length) throw new CorruptDataError('revision record ends early');
  const key = buf.toString('latin1', start, start + len);
  if (buf[0]! & TOMBSTONE) return { key, tombstone: true, createRevision: 0, version: 0 };
  const createRevision = varintAt(buf, start + len);
  const version = varintAt(buf, cursor);
  return { key, tombstone: false, createRevision, version };
}

/** Where the last varintAt call stopped reading. */
let cursor = 0;

function varintAt(buf: Uint8Array, pos: number): number {
  let value = 0;
  for (let scale = 1; scale <= 0x80 ** 7; scale *= 0x80) {
    const b = buf[pos++];
    if (b === undefined) break;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      cursor = pos;
      return value;
    }
  }
  throw new CorruptDataError('revision record ends early');
}
