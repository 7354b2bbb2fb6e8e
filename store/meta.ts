// Small typed key-value areas for the member: a key names its value's type and how it is encoded.
//
//   const MEMBER_ID = metaKey('memberId', metaCodecs.bigint);
//   await local.set(MEMBER_ID, 0x8e9e05c52164694dn);
//   local.get(MEMBER_ID); // → 0x8e9e05c52164694dn
import { CorruptDataError } from './errors.js';

export interface MetaCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export interface MetaKey<T> {
  readonly name: string;
  readonly codec: MetaCodec<T>;
}

export function metaKey<T>(name: string, codec: MetaCodec<T>): MetaKey<T> {
  if (name.length === 0) throw new RangeError('meta key name must not be empty');
  return { name, codec };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export const metaCodecs = {
  bytes: {
    encode: (v: Uint8Array) => v,
    decode: (b: Uint8Array) => b,
  } satisfies MetaCodec<Uint8Array>,
  string: {
    encode: (v: string) => utf8.encode(v),
    decode: (b: Uint8Array) => fromUtf8.decode(b),
  } satisfies MetaCodec<string>,
  /** A safe integer. */
  number: {
    encode: (v: number) => {
      if (!Number.isSafeInteger(v)) throw new RangeError(`not a safe integer: ${v}`);
      return utf8.encode(String(v));
    },
    decode: (b: Uint8Array) => {
      const v = Number(fromUtf8.decode(b));
      if (!Number.isSafeInteger(v)) throw new CorruptDataError('meta value is not an integer');
      return v;
    },
  } satisfies MetaCodec<number>,
  /** A 64-bit integer such as etcd's member and cluster IDs (uint64) or lease IDs (int64). */
  bigint: {
    encode: (v: bigint) => utf8.encode(v.toString()),
    decode: (b: Uint8Array) => {
      try {
        return BigInt(fromUtf8.decode(b));
      } catch (err) {
        throw new CorruptDataError(`meta value is not an integer: ${String(err)}`);
      }
    },
  } satisfies MetaCodec<bigint>,
  /** Any JSON-serializable value. The caller vouches for the type of what it reads back. */
  json<T>(): MetaCodec<T> {
    return {
      encode: (v: T) => utf8.encode(JSON.stringify(v)),
      decode: (b: Uint8Array) => JSON.parse(fromUtf8.decode(b)) as T,
    };
  },
};

/** A change to the replicated state meta, applied with a raft entry (see MvccStore.applyBatch). */
export interface MetaWrite {
  readonly name: string;
  /** null deletes the entry. */
  readonly value: Uint8Array | null;
}

export function setMeta<T>(key: MetaKey<T>, value: T): MetaWrite {
  return { name: key.name, value: key.codec.encode(value) };
}

export function deleteMeta<T>(key: MetaKey<T>): MetaWrite {
  return { name: key.name, value: null };
}

/** Reads typed values out of a name → bytes cache. */
export function readMeta<T>(cache: ReadonlyMap<string, Uint8Array>, key: MetaKey<T>): T | undefined {
  const bytes = cache.get(key.name);
  return bytes === undefined ? undefined : key.codec.decode(bytes);
}
