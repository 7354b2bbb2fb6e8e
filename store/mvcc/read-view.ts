// A consistent view of the MVCC state for reads: the index, the revisions that bound it, and a way
// to load the values behind index hits. The read path serves committed state; inside applyBatch a
// view also sees the batch's own, not yet written, changes.
import type { KeyRevision, TreeIndex } from './tree-index.js';
import type { KeyValue } from './types.js';

export interface ReadView {
  readonly index: TreeIndex;
  /** Reads default to this revision; a later one is a future revision. */
  readonly rev: number;
  /** Reads below this revision fail as compacted. */
  readonly compactRev: number;
  /** The values of index hits, in the same order. */
  fetch(hits: readonly KeyRevision[]): Promise<KeyValue[]>;
}
