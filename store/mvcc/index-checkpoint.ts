// The key index written out at a clean close, so that the next open can read it back in one go
// instead of replaying every revision (the slow part of a restart with a million keys). It is a
// cache: it is used only if it was taken at exactly the applied index and revision the state has,
// and the first applyBatch after open deletes it, so after a crash the index is rebuilt from the
// revisions as etcd does.
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import type { BatchOp } from '../db.js';
import { CorruptDataError } from '../errors.js';
import type { StateSpace } from '../keyspace.js';
import { KeyIndex } from './key-index.js';
import { TreeIndex } from './tree-index.js';

const CHUNK_BYTES = 1024 * 1024;

/** Recorded in the state meta: what the checkpoint describes, and how many chunks it has. */
export interface CheckpointMarker {
  readonly applied: number;
  readonly revision: number;
  readonly chunks: number;
}

export function encodeMarker(m: CheckpointMarker): Uint8Array {
  return new ByteWriter(24).uvarint(m.applied).uvarint(m.revision).uvarint(m.chunks).finish();
}

export function decodeMarker(bytes: Uint8Array): CheckpointMarker {
  const r = new ByteReader(bytes);
  const m = { applied: r.uvarint(), revision: r.uvarint(), chunks: r.uvarint() };
  r.end();
  return m;
}

/** The index as chunk writes, in key order; returns the ops and the chunk count. */
export function checkpointOps(index: TreeIndex, space: StateSpace): { ops: BatchOp[]; chunks: number } {
  const ops: BatchOp[] = [];
  let w = new ByteWriter(CHUNK_BYTES + 4096);
  const flush = (): void => {
    ops.push({ type: 'put', key: space.indexCheckpointKey(ops.length), value: w.finish() });
    w = new ByteWriter(CHUNK_BYTES + 4096);
  };
  index.forEach((key, ki) => {
    w.bytes(Buffer.from(key, 'latin1'));
    ki.writeTo(w);
    if (w.length >= CHUNK_BYTES) flush();
  });
  if (w.length > 0) flush();
  return { ops, chunks: ops.length };
}

/** Deletes of a checkpoint's chunks. */
export function checkpointDeletes(space: StateSpace, chunks: number): BatchOp[] {
  return Array.from({ length: chunks }, (_, i) => ({ type: 'del' as const, key: space.indexCheckpointKey(i) }));
}

/**
 * Reads the index back from its chunks, in order. This is the whole cost of a clean restart, a
 * million keys' worth, so varints are read in place rather than through a ByteReader.
 */
export function readCheckpoint(chunks: readonly Uint8Array[]): TreeIndex {
  const byKey = new Map<string, KeyIndex>();
  for (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    const next = (): number => {
      let value = 0;
      for (let scale = 1; pos < buf.length; scale *= 0x80) {
        const b = buf[pos++]!;
        value += (b & 0x7f) * scale;
        if (b < 0x80) return value;
      }
      throw new CorruptDataError('index checkpoint ends early');
    };
    while (pos < buf.length) {
      const len = next();
      if (pos + len > buf.length) throw new CorruptDataError('index checkpoint ends early');
      const key = buf.toString('latin1', pos, pos + len);
      pos += len;
      byKey.set(key, KeyIndex.readFrom(next));
    }
  }
  return TreeIndex.ofSorted(byKey);
}
