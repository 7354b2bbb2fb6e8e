// Keys and values as the client takes them (text or bytes) and as the store holds them (bytes), and
// the key ranges of etcd's conventions built from a prefix or bounds.
import { FROM_KEY, prefixEnd } from '../store/mvcc/key-bytes.js';
import { ClientError } from './errors.js';

/** Text (encoded as UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(b: Bytes): Uint8Array {
  if (typeof b === 'string') return encoder.encode(b);
  if (b instanceof Uint8Array) return b;
  throw new ClientError('LODESTONE_INVALID_ARGUMENT', `expected a string or a Uint8Array, got ${typeof b}`);
}

export function toText(b: Uint8Array): string {
  return decoder.decode(b);
}

/** A key range: every key with a prefix, or [from, to) — without `to`, every key ≥ from. */
export type KeyRange = { readonly prefix: Bytes } | { readonly from: Bytes; readonly to?: Bytes };

/** One key, or a range of keys. */
export type KeySelector = Bytes | KeyRange;

/** A range as etcd's requests carry it: rangeEnd absent = the one key. */
export interface KeySpan {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
}

export function isKeyRange(s: KeySelector): s is KeyRange {
  return typeof s === 'object' && !(s instanceof Uint8Array) && s !== null;
}

export function keySpan(s: KeySelector): KeySpan {
  if (!isKeyRange(s)) return { key: toBytes(s) };
  if ('prefix' in s) {
    const prefix = toBytes(s.prefix);
    // The empty prefix is every key: etcd spells it key "\0", range end "\0".
    if (prefix.length === 0) return { key: FROM_KEY, rangeEnd: FROM_KEY };
    return { key: prefix, rangeEnd: prefixEnd(prefix) };
  }
  if ('from' in s) {
    const from = toBytes(s.from);
    const key = from.length === 0 ? FROM_KEY : from;
    return { key, rangeEnd: s.to === undefined ? FROM_KEY : toBytes(s.to) };
  }
  throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'a key range needs `prefix` or `from`');
}
