// The key index written out as a checkpoint, so that an open can read it back in one go and replay
// only the revisions written after it, instead of every revision (the slow part of a restart with a
// million keys). It is a cache: the revisions stay the truth, and an open that finds the checkpoint
// inconsistent with them rebuilds the index from the revisions alone.
//
// A checkpoint covers revision R: every key's revisions up to R are in it. Written in slices while
// writes go on, it may also hold some keys' later revisions; replay skips those (see IndexReplay).
// Its chunks go to one of two slots, the other holding the checkpoint in force, and a marker naming
// the slot is written last: a half-written checkpoint never mixes with a valid one.
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import { CorruptDataError } from '../errors.js';
import { KeyIndex } from './key-index.js';

/** Recorded in the state meta: what the checkpoint covers, and where its chunks are. */
export interface CheckpointMarker {
  /** The applied index and revision when serialization began: the checkpoint covers them. */
  readonly applied: number;
  readonly revision: number;
  readonly chunks: number;
  /** 0 or 1: which chunk slot holds it. */
  readonly slot: number;
}

export function encodeMarker(m: CheckpointMarker): Uint8Array {
  return new ByteWriter(32).uvarint(m.applied).uvarint(m.revision).uvarint(m.chunks).uvarint(m.slot).finish();
}

/** Reads a marker; one written before there were two slots (no slot field) names slot 0. */
export function decodeMarker(bytes: Uint8Array): CheckpointMarker {
  const r = new ByteReader(bytes);
  const applied = r.uvarint();
  const revision = r.uvarint();
  const chunks = r.uvarint();
  const slot = r.remaining > 0 ? r.uvarint() : 0;
  r.end();
  if (slot > 1) throw new CorruptDataError(`index checkpoint slot ${slot}`);
  return { applied, revision, chunks, slot };
}

/** Appends one key's entry to a chunk being built. */
export function writeEntry(w: ByteWriter, key: string, ki: KeyIndex): void {
  w.bytes(Buffer.from(key, 'latin1'));
  ki.writeTo(w);
}

/**
 * Reads the key indexes back from the chunks, in order, into a map filled in key order. This is
 * most of the cost of a restart, a million keys' worth, so varints are read in place rather than
 * through a ByteReader.
 */
export function readCheckpoint(chunks: readonly Uint8Array[]): Map<string, KeyIndex> {
  const byKey = new Map<string, KeyIndex>();
  let previous = '';
  for (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    const next = (): number => {
      if (pos >= buf.length) throw new CorruptDataError('index checkpoint ends early');
      let b = buf[pos++]!;
      // Most numbers here (lengths, counts, subs) fit in one byte.
      if (b < 0x80) return b;
      let value = b & 0x7f;
      for (let scale = 0x80; pos < buf.length; scale *= 0x80) {
        b = buf[pos++]!;
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
      // The map's order is the index's key order: a chunk out of place would break it.
      if (byKey.size > 0 && key <= previous) throw new CorruptDataError('index checkpoint keys out of order');
      previous = key;
      byKey.set(key, KeyIndex.readFrom(next));
    }
  }
  return byKey;
}
