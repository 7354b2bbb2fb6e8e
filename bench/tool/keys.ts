// The keys a workload writes and reads: `size` keys under one prefix, each `keySize` bytes after it
// (etcd benchmark's --key-size), zero-padded numbers so that the keys sharing all but the last
// digit are a prefix of ten. Built once: the load loop only picks them.
import { randomBytes } from 'node:crypto';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';

export class KeySpace {
  private readonly keys: Buffer[];

  constructor(
    readonly prefix: string,
    readonly size: number,
    keySize: number,
  ) {
    const digits = Math.max(keySize, String(Math.max(0, size - 1)).length);
    this.keys = Array.from({ length: size }, (_, i) => Buffer.from(`${prefix}${String(i).padStart(digits, '0')}`));
  }

  key(n: number): Buffer {
    return this.keys[n % this.size]!;
  }

  /** The prefix shared by key n and its nine neighbours (all but the last digit). */
  tenOf(n: number): { key: Buffer; range_end: Uint8Array } {
    const key = this.key(n).subarray(0, this.key(n).length - 1);
    return { key, range_end: prefixEnd(key) };
  }
}

/**
 * Values of `size` random bytes (random, so that neither store gains by compressing them), cut from
 * one pool made once: distinct for `distinct` consecutive uses.
 */
export class ValuePool {
  private readonly pool: Buffer;

  constructor(
    readonly size: number,
    distinct = 4096,
  ) {
    this.pool = randomBytes(size * distinct);
  }

  value(n: number): Buffer {
    const count = this.pool.length / this.size;
    const at = (n % count) * this.size;
    return this.pool.subarray(at, at + this.size);
  }
}
