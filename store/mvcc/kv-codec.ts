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

export function decodeIndexEntry(bytes: Uint8Array): IndexEntry {
  const r = new ByteReader(bytes);
  const flags = r.u8();
  const len = r.uvarint();
  const at = r.offset;
  if (at + len > bytes.length) throw new CorruptDataError('revision record ends early');
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + at, len).toString('latin1');
  if (flags & TOMBSTONE) return { key, tombstone: true, createRevision: 0, version: 0 };
  const after = new ByteReader(bytes, at + len);
  const createRevision = after.uvarint();
  const version = after.uvarint();
  return { key, tombstone: false, createRevision, version };
}
