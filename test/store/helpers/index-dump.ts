// The key index as plain data, for comparing two indexes key by key: each key's generations as the
// numbers the checkpoint format writes (ended generations, then per generation: version, created,
// revision count, the (main, sub) pairs).
import { ByteWriter } from '../../../store/codec/byte-writer.js';
import type { StoreDb } from '../../../store/db.js';
import { StateSpace } from '../../../store/keyspace.js';
import { loadState, replayAll } from '../../../store/mvcc/state-loader.js';
import type { TreeIndex } from '../../../store/mvcc/tree-index.js';

export function dumpIndex(index: TreeIndex): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  index.forEach((key, ki) => {
    const w = new ByteWriter();
    ki.writeTo(w);
    out[key] = varints(w.finish());
  });
  return out;
}

function varints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0;
  let scale = 1;
  for (const b of bytes) {
    value += (b & 0x7f) * scale;
    scale *= 0x80;
    if (b < 0x80) {
      out.push(value);
      value = 0;
      scale = 1;
    }
  }
  return out;
}

/**
 * The index as an open builds it (from the checkpoint when one fits) and as a full replay of every
 * revision builds it, with where the first came from.
 */
export async function indexesOnDisk(db: StoreDb, generation = 1) {
  const space = new StateSpace(generation);
  const opened = await loadState(db, space);
  const full = await replayAll(db, space);
  return {
    restoredFrom: opened.restoredFrom,
    recordsRead: opened.revisionRecordsRead,
    checkpointRevision: opened.checkpoint?.revision ?? 0,
    opened: dumpIndex(opened.index),
    full: dumpIndex(full.index),
    revision: opened.revision,
  };
}
