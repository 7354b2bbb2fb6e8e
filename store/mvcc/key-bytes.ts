// Keys as the index holds them, and etcd's key-range conventions.
//
// The index keeps keys as "binary strings": one char per byte (latin1). JavaScript compares strings
// by UTF-16 code unit, which for chars 0–255 is exactly bytewise order, and strings are cheap Map keys.

export function toKeyString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromKeyString(key: string): Uint8Array {
  const b = Buffer.from(key, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** etcd's "\0" range end: every key ≥ key. */
export const FROM_KEY = Uint8Array.of(0);

/**
 * The range end that covers every key starting with `prefix`: the prefix with its last byte below
 * 0xff incremented and the rest cut off. A prefix of only 0xff bytes has no such end; etcd then
 * ranges over every key ≥ prefix ("\0").
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      // A copy: Buffer.slice (what gRPC hands over) shares memory and would change the caller's key.
      const end = Uint8Array.prototype.slice.call(prefix, 0, i + 1);
      end[i]! += 1;
      return end;
    }
  }
  return FROM_KEY;
}

/** A request's keys: one key, or [start, end) with end null meaning no upper bound. */
export interface KeySpan {
  readonly start: string;
  readonly end: string | null;
  readonly single: boolean;
}

export function keySpan(key: Uint8Array, rangeEnd?: Uint8Array): KeySpan {
  const start = toKeyString(key);
  if (rangeEnd === undefined || rangeEnd.length === 0) return { start, end: start, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start, end: null, single: false };
  return { start, end: toKeyString(rangeEnd), single: false };
}

export function spanContains(span: KeySpan, key: string): boolean {
  if (span.single) return key === span.start;
  return key >= span.start && (span.end === null || key < span.end);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
