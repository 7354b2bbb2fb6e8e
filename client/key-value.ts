// A key and its value as the client hands them out: bytes, as stored, with their text on demand.
import type * as st from '../store/mvcc/types.js';
import { toText } from './bytes.js';
import { ClientError } from './errors.js';

export class KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The revision of the put that created the key (since it was last deleted). */
  readonly createRevision: number;
  /** The revision of the last change to the key. */
  readonly modRevision: number;
  /** Puts since the key was created: 1 for a fresh key. */
  readonly version: number;
  /** The lease the key is attached to; 0n for none. */
  readonly lease: bigint;

  constructor(kv: st.KeyValue) {
    this.key = kv.key;
    this.value = kv.value;
    this.createRevision = kv.createRevision;
    this.modRevision = kv.modRevision;
    this.version = kv.version;
    this.lease = kv.lease;
  }

  /** The key as UTF-8 text. */
  get keyString(): string {
    return toText(this.key);
  }

  /** The value as UTF-8 text. */
  get valueString(): string {
    return toText(this.value);
  }

  /** The value parsed as JSON. */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.valueString) as T;
    } catch (e) {
      throw new ClientError('LODESTONE_INVALID_VALUE', `the value of ${this.keyString} is not JSON`, { cause: e });
    }
  }
}
