// The log as the core sees it: durable entries in storage, followed by the unstable tail; plus the
// commit index, and two indexes behind it: `applying`, the last entry handed to the application, and
// `applied`, the last entry the application reports it holds. An application that applies in the
// background (while raft goes on) keeps them apart; raft's rules that depend on the state — one
// configuration change at a time, no campaign over an unapplied change — look at `applied`.
import { CompactedError, RaftError } from './errors.js';
import { UnstableLog } from './log-unstable.js';
import { limitSize, type LogStorage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;
  applying: number;
  /** Bytes handed out for applying and not yet reported applied, by batch. */
  private readonly applyingBatches: { last: number; size: number }[] = [];
  private applyingSize = 0;

  constructor(
    readonly storage: LogStorage,
    /** Bytes of entries handed out and not yet applied, at most (one entry always goes). */
    private readonly maxApplyingSize: number,
  ) {
    const first = storage.firstIndex();
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    this.applying = first - 1;
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
    if (this.applyingSize >= this.maxApplyingSize) return false;
    return this.committed > Math.max(this.applying, this.firstIndex() - 1);
  }

  /** Committed entries not yet handed out, within what the applying budget has left. */
  nextCommittedEntries(): Entry[] {
    if (this.applyingSize >= this.maxApplyingSize) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, this.maxApplyingSize - this.applyingSize);
  }

  /** Entries up to `index` (of `size` bytes) were handed to the application. */
  acceptApplying(index: number, size: number): void {
    if (index <= this.applying) return;
    this.applying = index;
    this.applyingBatches.push({ last: index, size });
    this.applyingSize += size;
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
    if (this.applying < index) this.applying = index;
    while (this.applyingBatches.length > 0 && this.applyingBatches[0]!.last <= index) {
      this.applyingSize -= this.applyingBatches.shift()!.size;
    }
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
