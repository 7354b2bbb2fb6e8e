// A snapshot file as etcd's tools handle it: a bbolt database, maybe followed by the SHA-256 trailer
// Maintenance.Snapshot appends (a file whose size is 32 bytes past a multiple of 512 has one, as
// etcdctl decides).
import { createHash } from 'node:crypto';

export const SHA_BYTES = 32;

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
}

export function hasTrailer(file: { readonly length: number }): boolean {
  return file.length % 512 === SHA_BYTES;
}

/** The database bytes, the trailer checked unless `skipHashCheck` (etcd's messages when it fails). */
export function databaseOf(file: Uint8Array, skipHashCheck: boolean): Uint8Array {
  if (!hasTrailer(file)) {
    if (!skipHashCheck) throw new SnapshotFileError('snapshot missing hash but --skip-hash-check=false');
    return file;
  }
  const db = file.subarray(0, file.length - SHA_BYTES);
  if (!skipHashCheck) {
    const expected = file.subarray(file.length - SHA_BYTES);
    const actual = createHash('sha256').update(db).digest();
    if (Buffer.compare(actual, expected) !== 0) throw new SnapshotFileError(`expected sha256 ${Buffer.from(expected).toString('hex')}, got ${actual.toString('hex')}`);
  }
  return db;
}
