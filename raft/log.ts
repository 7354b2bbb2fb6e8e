// The log as the core sees it: durable entries in storage, followed by the unstable tail; plus the
// commit and applied indexes.
import { CompactedError, RaftError } from './errors.js';
import { UnstableLog } from './log-unstable.js';
import { limitSize, type LogStorage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;

  constructor(
    readonly storage: LogStorage,
    private readonly maxApplySize: number,
  ) {
    const first = storage.firstIndex();
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index known durable: everything before the unstable tail. */
  lastStableIndex(): number {
    return this.unstable.offset - 1;
  }

  /** Term of entry i, or null when i is compacted away or past the end of the log. */
  term(i: number): number | null {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return null;
    const t = this.unstable.maybeTerm(i);
    if (t !== null) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof RaftError) return null;
      throw e;
    }
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries: if our log matches (prevIndex, prevTerm), append ents (dropping
   * a conflicting suffix) and advance commit. Returns the index of the last new entry, or null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, ents: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`raft invariant: entry ${conflict} conflicts with committed entry (committed ${this.committed})`);
      }
      this.append(ents.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) {
      throw new Error(`raft invariant: appending after ${after} is below committed ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Index of the first entry whose term differs from ours (or that we lack), 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * Fast back-off: the largest index ≤ index whose term is ≤ term, with that term. Entries above it
   * cannot match an entry of `term`, so the leader can skip them in one round trip.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === null) return [i, 0];
      if (t <= term) return [i, t];
    }
    return [0, 0];
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Committed entries not yet applied, up to maxApplySize bytes. */
  nextCommittedEntries(): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, this.maxApplySize);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== null;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`raft invariant: commit ${index} is out of range [last ${this.lastIndex()}]`);
    }
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0 || index <= this.applied) return;
    if (index > this.committed) {
      throw new Error(`raft invariant: applied ${index} is beyond committed ${this.committed}`);
    }
    this.applied = index;
  }

  /** Leader side of §5.4.2: commit by counting replicas only entries of the current term. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }

  /** Entries from i to the end, up to maxSize bytes. Throws CompactedError if i was compacted. */
  entriesFrom(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  slice(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError();
    if (hi > this.lastIndex() + 1) throw new Error(`raft invariant: slice [${lo}, ${hi}) out of range`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      ents = this.storage.entries(lo, Math.min(hi, offset), maxSize);
      // Storage cut the slice short: the size limit was reached there.
      if (ents.length < Math.min(hi, offset) - lo) return ents;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxSize);
  }

  allEntries(): Entry[] {
    return this.entriesFrom(this.firstIndex(), Number.MAX_SAFE_INTEGER);
  }
}
