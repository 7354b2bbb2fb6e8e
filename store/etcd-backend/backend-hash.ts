// etcd's Maintenance.Hash: a CRC-32C over every bucket's name and every key and value in it, buckets
// and keys in bbolt's (bytewise) order, leaving out `meta/consistent_index` — the one entry members
// at the same state may disagree on (etcd's DefaultIgnores).
import type { BoltBucket } from '../bbolt/writer.js';
import { crc32c } from '../mvcc/crc32c.js';
import { BUCKETS, META_KEYS } from './layout.js';

export function backendHash(buckets: readonly BoltBucket[]): number {
  let h = 0;
  const sorted = [...buckets].sort((a, b) => Buffer.compare(a.name, b.name));
  for (const b of sorted) {
    h = crc32c(h, b.name);
    const isMeta = Buffer.from(b.name).toString() === BUCKETS.meta;
    for (const e of b.entries) {
      if (isMeta && Buffer.from(e.key).toString() === META_KEYS.consistentIndex) continue;
      h = crc32c(h, e.key);
      h = crc32c(h, e.value);
    }
  }
  return h;
}
