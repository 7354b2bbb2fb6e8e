// The state meta the store keeps for itself in each state generation, written in the same batch as
// the changes it describes.
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';

export const STORE_META = {
  /** Index of the last raft entry applied. */
  applied: 'applied',
  /** The current revision (the last write txn's, or 1 for an empty store). */
  revision: 'revision',
  /** The raft configuration as of the applied index. */
  confState: 'confState',
  /** The latest compaction revision: reads below it fail. */
  compactScheduled: 'compactScheduled',
  /** The latest compaction whose removal of old revisions from disk has finished. */
  compactFinished: 'compactFinished',
} as const;

export function encodeNumber(n: number): Uint8Array {
  return new ByteWriter(10).uvarint(n).finish();
}

export function decodeNumber(bytes: Uint8Array): number {
  const r = new ByteReader(bytes);
  const n = r.uvarint();
  r.end();
  return n;
}
