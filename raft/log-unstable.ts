// The tail of the log not yet known to be durable: entries appended since the last Ready was
// persisted, and possibly an incoming snapshot. `offset` is the index of entries[0].
import type { Entry, Snapshot } from './types.js';

export class UnstableLog {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  constructor(public offset: number) {}

  /** First index, if this holds a snapshot (which then precedes everything in storage). */
  maybeFirstIndex(): number | null {
    return this.snapshot ? this.snapshot.meta.index + 1 : null;
  }

  maybeLastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : null;
  }

  maybeTerm(i: number): number | null {
    if (i < this.offset) {
      return this.snapshot && this.snapshot.meta.index === i ? this.snapshot.meta.term : null;
    }
    const last = this.maybeLastIndex();
    if (last === null || i > last) return null;
    return this.entries[i - this.offset]!.term;
  }

  /** Entries up to (i, t) are now durable; drops them unless they were overwritten meanwhile. */
  stableTo(i: number, t: number): void {
    const term = this.maybeTerm(i);
    if (term === null || term !== t || i < this.offset) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = null;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends ents, first dropping any existing entries at or after ents[0].index. */
  truncateAndAppend(ents: readonly Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (const e of ents) this.entries.push(e);
    } else if (after <= this.offset) {
      // Replaces everything unstable; storage keeps what precedes `after`.
      this.offset = after;
      this.entries = [...ents];
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
