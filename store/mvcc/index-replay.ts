// Brings a checkpointed index up to date with the revision records written after it (main > R),
// read in revision order. The checkpoint may already hold some keys' later revisions (it was written
// in slices while writes went on), so a record the key's index already reaches is skipped: replay is
// idempotent. A record that cannot follow what the checkpoint holds means the two disagree, and the
// caller rebuilds the index from every revision instead.
import { CorruptDataError } from '../errors.js';
import { StateSpace } from '../keyspace.js';
import { KeyIndex } from './key-index.js';
import { decodeIndexEntry } from './kv-codec.js';
import { TreeIndex } from './tree-index.js';

export class IndexReplay {
  /** Keys the checkpoint lacked, in the order replay met them. */
  private readonly added: string[] = [];
  private readonly checkpointedKeys: number;
  /** Records read, skipped ones included. */
  records = 0;
  maxMain = 0;

  /** `byKey` is the checkpoint, filled in key order; replay adds to it. */
  constructor(private readonly byKey: Map<string, KeyIndex>) {
    this.checkpointedKeys = byKey.size;
  }

  /** A revision record, its key relative to the state generation. */
  add(relativeKey: Uint8Array, value: Uint8Array): void {
    const main = StateSpace.relativeMainOf(relativeKey);
    const sub = StateSpace.relativeSubOf(relativeKey);
    const e = decodeIndexEntry(value);
    this.records++;
    if (main > this.maxMain) this.maxMain = main;
    let ki = this.byKey.get(e.key);
    if (ki?.reaches(main, sub)) return;
    if (e.tombstone) {
      // A tombstone of a key not live is left over from an interrupted compaction, as in a full replay.
      ki?.tombstone(main, sub);
      return;
    }
    if (ki === undefined) {
      ki = new KeyIndex();
      this.byKey.set(e.key, ki);
      this.added.push(e.key);
    } else if (ki.isLive() && ki.created !== e.createRevision) {
      // The deletion between them is missing: the records after the checkpoint are not all there.
      throw new CorruptDataError('a revision after the index checkpoint does not follow it');
    }
    ki.restorePut(main, sub, e.createRevision, e.version);
  }

  finish(): TreeIndex {
    const keys = [...this.byKey.keys()];
    if (this.added.length === 0) return TreeIndex.ofSorted(this.byKey, keys);
    return TreeIndex.ofSorted(this.byKey, mergeSorted(keys.slice(0, this.checkpointedKeys), this.added.sort()));
  }
}

/** Two sorted lists of distinct keys as one. */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
