// Receiving a state snapshot: the stream is written into a fresh state generation (in synced
// batches: LevelDB may not fsync a log file it rotated away from, and the generation switch that
// follows must never point at data a power loss could take back) while its index is built from the
// same records. Nothing here touches the live generation.
import { writeOps, type BatchOp, type StoreDb } from '../db.js';
import { SnapshotCorruptError, SnapshotStaleError } from '../errors.js';
import { STATE_SUBSPACE, type StateSpace } from '../keyspace.js';
import { StateLoader, type LoadedState } from '../mvcc/state-loader.js';
import { SnapshotDecoder, type SnapshotHeader } from './stream-format.js';

const BATCH_BYTES = 4 * 1024 * 1024;

/** Writes a verified stream into `target`; refuses one older than `appliedIndex`. */
export async function stageSnapshot(
  db: StoreDb,
  chunks: AsyncIterable<Uint8Array>,
  target: StateSpace,
  appliedIndex: number,
): Promise<{ header: SnapshotHeader; state: LoadedState }> {
  await db.clear(target.all());
  const decoder = new SnapshotDecoder();
  const loader = new StateLoader();
  let ops: BatchOp[] = [];
  let bytes = 0;
  let checked = false;
  for await (const chunk of chunks) {
    const records = decoder.push(chunk);
    if (!checked && decoder.header) {
      if (decoder.header.appliedIndex < appliedIndex) throw new SnapshotStaleError(decoder.header.appliedIndex, appliedIndex);
      checked = true;
    }
    for (const { key, value } of records) {
      if (!isReplicatedKey(key)) throw new SnapshotCorruptError('record outside the state key space');
      loader.add(key, value);
      ops.push({ type: 'put', key: target.absolute(key), value });
      bytes += key.length + value.length;
      if (bytes >= BATCH_BYTES) {
        await writeOps(db, ops, { sync: true });
        ops = [];
        bytes = 0;
      }
    }
  }
  const header = decoder.finish();
  await writeOps(db, ops, { sync: true });
  const state = loader.finish();
  if (state.applied !== header.appliedIndex || state.revision !== header.revision) {
    throw new SnapshotCorruptError('state does not match its header');
  }
  return { header, state };
}

function isReplicatedKey(relativeKey: Uint8Array): boolean {
  const space = relativeKey[0];
  return (
    space === STATE_SUBSPACE.revisions ||
    space === STATE_SUBSPACE.storeMeta ||
    space === STATE_SUBSPACE.memberMeta ||
    space === STATE_SUBSPACE.leases ||
    space === STATE_SUBSPACE.leaseKeys
  );
}
