// The log storage the core reads from, and an in-memory implementation of it.
//
// The core only reads storage; the application writes to it while handling a Ready (append the
// entries, set the hard state, apply an incoming snapshot) and when it compacts the log. The interface
// is synchronous: a durable implementation keeps the live (uncompacted) part of the log in memory as
// well, and writes through to disk.
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import {
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  entrySize,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  /** The configuration as of the index the application says it has applied (Config.applied). */
  readonly confState: ConfState;
}

export interface LogStorage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi), stopping before the total size exceeds maxSize but always returning at least
   * one entry. Throws CompactedError when lo is at or below the snapshot index.
   */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /** Term of entry i; i may be the snapshot index. Throws CompactedError / UnavailableError. */
  term(i: number): number;
  /** Index of the first entry still in the log (the snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}

/** Cuts ents so that their total size stays within maxSize, keeping at least the first one. */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n]!);
    if (size > maxSize) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

/**
 * The log, hard state and latest snapshot, all in memory. Used by tests and the simulator as
 * "durable" storage, and by the LevelDB storage as its cache of the live log.
 */
export class MemoryStorage implements LogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** ents[0] is a dummy standing for the snapshot's (index, term); real entries follow it. */
  private ents: Entry[];

  constructor(snapshot?: Snapshot) {
    this.snap = snapshot ?? { meta: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: new Uint8Array() };
    this.ents = [dummy(this.snap.meta.index, this.snap.meta.term)];
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  hardStateNow(): HardState {
    return this.hardState;
  }

  private get offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo <= this.offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) throw new UnavailableError();
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), maxSize);
  }

  term(i: number): number {
    const offset = this.offset;
    if (i < offset) throw new CompactedError();
    if (i - offset >= this.ents.length) throw new UnavailableError();
    return this.ents[i - offset]!.term;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with an incoming snapshot (from the leader). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.ents = [dummy(snap.meta.index, snap.meta.term)];
  }

  /** Records a snapshot the application took of its own state at applied index i. */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.meta.index) throw new SnapshotOutOfDateError();
    if (i > this.lastIndex()) throw new UnavailableError();
    this.snap = { meta: { index: i, term: this.term(i), confState }, data };
    return this.snap;
  }

  /** Drops entries before index i (i stays, as the new dummy). */
  compact(i: number): void {
    const offset = this.offset;
    if (i <= offset) throw new CompactedError();
    if (i > this.lastIndex()) throw new UnavailableError();
    const keep = this.ents.slice(i - offset);
    keep[0] = dummy(keep[0]!.index, keep[0]!.term);
    this.ents = keep;
  }

  /** Appends entries, replacing any existing suffix they conflict with. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[entries.length - 1]!.index;
    if (last < first) return; // all of them already compacted
    // Skip the part already covered by the snapshot.
    const start = first > entries[0]!.index ? first - entries[0]!.index : 0;
    const fresh = entries.slice(start);
    const at = fresh[0]!.index - this.offset;
    if (at > this.ents.length) throw new UnavailableError();
    // Truncate any conflicting suffix in place, then append: no copy of the whole log.
    this.ents.length = at;
    for (const e of fresh) this.ents.push(e);
  }
}

function dummy(index: number, term: number): Entry {
  return { type: 'normal', index, term, data: EMPTY };
}

const EMPTY = new Uint8Array(0);
