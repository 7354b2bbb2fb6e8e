// The log, piece by piece: MemoryStorage (the durable part, with a compacted prefix), UnstableLog
// (the tail not yet durable, or an incoming snapshot) and RaftLog (both seen as one log, with the
// commit and applied indexes).
import { describe, expect, it } from 'vitest';
import { CompactedError, MemoryStorage, SnapshotOutOfDateError, UnavailableError, entrySize, type Entry, type Snapshot } from '../../raft/index.js';
import { RaftLog } from '../../raft/log.js';
import { UnstableLog } from '../../raft/log-unstable.js';
import { ent, entries } from './helpers.js';

const CS = { voters: [1, 2, 3], learners: [] };
const ids = (ents: readonly Entry[]): string[] => ents.map((e) => `${e.index}:${e.term}`);

function snap(index: number, term: number): Snapshot {
  return { meta: { index, term, confState: CS }, data: new Uint8Array() };
}

/** Storage holding entries 1..n with the given terms. */
function storage(terms: number[]): MemoryStorage {
  const s = new MemoryStorage();
  s.append(entries(terms));
  return s;
}

describe('MemoryStorage', () => {
  it('starts empty: first index 1, last index 0, the term of index 0 is 0', () => {
    const s = new MemoryStorage();
    expect([s.firstIndex(), s.lastIndex(), s.term(0)]).toEqual([1, 0, 0]);
    expect(s.entries(1, 1, 100)).toEqual([]);
  });

  it('returns entries in [lo, hi), refusing compacted or missing ones', () => {
    const s = storage([1, 1, 2, 2, 3]);
    expect(ids(s.entries(2, 4, Infinity))).toEqual(['2:1', '3:2']);
    expect(() => s.entries(0, 2, Infinity)).toThrow(CompactedError);
    expect(() => s.entries(4, 7, Infinity)).toThrow(UnavailableError);
    expect(() => s.term(6)).toThrow(UnavailableError);
  });

  it('limits entries by size but always returns at least one', () => {
    const s = storage([1, 1, 1, 1]);
    const one = entrySize(ent(1, 1));
    expect(s.entries(1, 5, 2 * one)).toHaveLength(2);
    expect(s.entries(1, 5, 2 * one + 1)).toHaveLength(2);
    expect(s.entries(1, 5, 0)).toHaveLength(1);
  });

  it('append replaces a conflicting suffix, and refuses to leave a gap', () => {
    const s = storage([1, 1, 1, 1, 1]);
    s.append(entries([2, 2], 3));
    expect(ids(s.entries(1, s.lastIndex() + 1, Infinity))).toEqual(['1:1', '2:1', '3:2', '4:2']);
    expect(() => s.append([ent(6, 2)])).toThrow(UnavailableError);
  });

  it('append skips the part of the entries that is already compacted', () => {
    const s = storage([1, 1, 1, 1]);
    s.compact(3);
    s.append(entries([1, 1, 1, 2, 2], 2)); // 2..6
    expect(s.firstIndex()).toBe(4);
    expect(ids(s.entries(4, 7, Infinity))).toEqual(['4:1', '5:2', '6:2']);
    s.append(entries([1], 1)); // entirely compacted: nothing happens
    expect(s.lastIndex()).toBe(6);
  });

  it('compact drops the prefix but remembers the term of its last index', () => {
    const s = storage([1, 2, 3, 4]);
    s.compact(2);
    expect([s.firstIndex(), s.lastIndex(), s.term(2)]).toEqual([3, 4, 2]);
    expect(() => s.term(1)).toThrow(CompactedError);
    expect(() => s.entries(2, 3, Infinity)).toThrow(CompactedError);
    expect(() => s.compact(2)).toThrow(CompactedError);
    expect(() => s.compact(9)).toThrow(UnavailableError);
  });

  it('createSnapshot records one at an index of its log; never an older one', () => {
    const s = storage([1, 2, 3]);
    const sn = s.createSnapshot(2, CS, new Uint8Array([7]));
    expect(sn.meta).toEqual({ index: 2, term: 2, confState: CS });
    expect(s.snapshot()).toBe(sn);
    expect(() => s.createSnapshot(1, CS, new Uint8Array())).toThrow(SnapshotOutOfDateError);
    expect(() => s.createSnapshot(9, CS, new Uint8Array())).toThrow(UnavailableError);
    expect(s.initialState().confState).toEqual(CS);
  });

  it('applySnapshot replaces the whole log; an older snapshot is refused', () => {
    const s = storage([1, 1, 1]);
    s.applySnapshot(snap(10, 4));
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 4]);
    expect(() => s.applySnapshot(snap(10, 4))).toThrow(SnapshotOutOfDateError);
  });
});

describe('UnstableLog', () => {
  it('knows its indexes and terms only for what it holds', () => {
    const u = new UnstableLog(5);
    expect([u.maybeFirstIndex(), u.maybeLastIndex(), u.maybeTerm(5)]).toEqual([null, null, null]);
    u.truncateAndAppend(entries([1, 2], 5));
    expect([u.maybeLastIndex(), u.maybeTerm(5), u.maybeTerm(6), u.maybeTerm(7), u.maybeTerm(4)]).toEqual([6, 1, 2, null, null]);
  });

  it('truncateAndAppend: after its end, replacing everything, or cutting in the middle', () => {
    const u = new UnstableLog(5);
    u.truncateAndAppend(entries([1, 1], 5));
    u.truncateAndAppend(entries([1], 7));
    expect(ids(u.entries)).toEqual(['5:1', '6:1', '7:1']);
    u.truncateAndAppend(entries([2], 6));
    expect(ids(u.entries)).toEqual(['5:1', '6:2']);
    u.truncateAndAppend(entries([3, 3], 4));
    expect([u.offset, ...ids(u.entries)]).toEqual([4, '4:3', '5:3']);
  });

  it('stableTo drops what became durable, unless the entry was overwritten meanwhile', () => {
    const u = new UnstableLog(1);
    u.truncateAndAppend(entries([1, 1, 1]));
    u.stableTo(2, 2); // term mismatch: overwritten since
    expect(u.offset).toBe(1);
    u.stableTo(2, 1);
    expect([u.offset, ...ids(u.entries)]).toEqual([3, '3:1']);
    u.stableTo(1, 1); // already stable
    expect(u.offset).toBe(3);
  });

  it('holds an incoming snapshot until it is durable', () => {
    const u = new UnstableLog(3);
    u.truncateAndAppend(entries([1], 3));
    u.restore(snap(10, 2));
    expect([u.offset, u.entries.length, u.maybeFirstIndex(), u.maybeLastIndex(), u.maybeTerm(10)]).toEqual([11, 0, 11, 10, 2]);
    u.stableSnapTo(9);
    expect(u.snapshot).not.toBeNull();
    u.stableSnapTo(10);
    expect(u.snapshot).toBeNull();
  });
});

describe('RaftLog', () => {
  /** A log with entries 1..n in storage (terms given) and more unstable after them. */
  function log(stable: number[], unstable: number[] = []): RaftLog {
    const l = new RaftLog(storage(stable), Infinity);
    if (unstable.length > 0) l.append(entries(unstable, stable.length + 1));
    return l;
  }

  it('sees storage and the unstable tail as one log', () => {
    const l = log([1, 1], [2, 2]);
    expect([l.firstIndex(), l.lastIndex(), l.lastStableIndex(), l.lastTerm()]).toEqual([1, 4, 2, 2]);
    expect([0, 1, 2, 3, 4, 5].map((i) => l.term(i))).toEqual([0, 1, 1, 2, 2, null]);
    expect(ids(l.slice(2, 4, Infinity))).toEqual(['2:1', '3:2']);
    expect(l.slice(1, 5, 0)).toHaveLength(1);
    expect(l.slice(1, 5, 2 * entrySize(ent(1, 1)))).toHaveLength(2);
  });

  it('the term of a compacted index is unknown, except the snapshot\'s own', () => {
    const st = storage([1, 2, 3, 4]);
    st.compact(2);
    const l = new RaftLog(st, Infinity);
    expect([l.term(1), l.term(2), l.term(3)]).toEqual([null, 2, 3]);
    expect(() => l.slice(2, 4, Infinity)).toThrow(CompactedError);
  });

  it('isUpToDate compares last terms first, then last indexes (§5.4.1)', () => {
    const l = log([1, 2, 2]);
    expect(l.isUpToDate(1, 3)).toBe(true);
    expect(l.isUpToDate(3, 2)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(false);
    expect(l.isUpToDate(9, 1)).toBe(false);
  });

  it('findConflict: the first entry whose term differs, or that is missing; 0 if none', () => {
    const l = log([1, 2, 3]);
    expect(l.findConflict([])).toBe(0);
    expect(l.findConflict(entries([1, 2, 3]))).toBe(0);
    expect(l.findConflict(entries([2, 3], 2))).toBe(0);
    expect(l.findConflict(entries([2, 3, 4], 2))).toBe(4);
    expect(l.findConflict(entries([2, 4, 4], 2))).toBe(3);
    expect(l.findConflict(entries([9], 1))).toBe(1);
  });

  it('findConflictByTerm: the last index at or below the given one whose term is at most the given term', () => {
    const l = log([1, 1, 3, 3, 5]);
    expect(l.findConflictByTerm(5, 5)).toEqual([5, 5]);
    expect(l.findConflictByTerm(5, 4)).toEqual([4, 3]);
    expect(l.findConflictByTerm(5, 2)).toEqual([2, 1]);
    expect(l.findConflictByTerm(5, 0)).toEqual([0, 0]);
    expect(l.findConflictByTerm(3, 9)).toEqual([3, 3]);
  });

  it('maybeAppend: appends after a matching entry, replacing a conflicting suffix, and moves commit', () => {
    const l = log([1, 1, 1, 1]);
    expect(l.maybeAppend(4, 2, 4, [])).toBe(null);
    expect(l.maybeAppend(2, 1, 9, entries([2], 3))).toBe(3);
    expect(ids(l.allEntries())).toEqual(['1:1', '2:1', '3:2']);
    expect(l.committed).toBe(3);
  });

  it('maybeAppend refuses to replace a committed entry', () => {
    const l = log([1, 1, 1]);
    l.commitTo(3);
    expect(() => l.maybeAppend(1, 1, 3, entries([2], 2))).toThrow(/conflicts with committed/);
  });

  it('commit and applied only move forward, within bounds', () => {
    const l = log([1, 1, 1]);
    l.commitTo(2);
    l.commitTo(1);
    expect(l.committed).toBe(2);
    expect(() => l.commitTo(4)).toThrow(/out of range/);
    l.appliedTo(2);
    expect(() => l.appliedTo(3)).toThrow(/beyond committed/);
  });

  it('maybeCommit commits only an index of the given term (§5.4.2)', () => {
    const l = log([1, 1, 2]);
    expect(l.maybeCommit(2, 2)).toBe(false);
    expect(l.committed).toBe(0);
    expect(l.maybeCommit(3, 2)).toBe(true);
    expect(l.committed).toBe(3);
    expect(l.maybeCommit(2, 1)).toBe(false); // never backwards
  });

  it('hands out committed entries once applied catches up, limited by size', () => {
    const l = new RaftLog(storage([1, 1, 1, 1]), 2 * entrySize(ent(1, 1)));
    expect(l.hasNextCommittedEntries()).toBe(false);
    l.commitTo(4);
    expect(ids(l.nextCommittedEntries())).toEqual(['1:1', '2:1']);
    l.appliedTo(2);
    expect(ids(l.nextCommittedEntries())).toEqual(['3:1', '4:1']);
    l.appliedTo(4);
    expect(l.hasNextCommittedEntries()).toBe(false);
  });

  it('restore from a snapshot: the log is the snapshot, committed up to it', () => {
    const l = log([1, 1], [1]);
    l.restore(snap(10, 3));
    expect([l.firstIndex(), l.lastIndex(), l.lastTerm(), l.committed]).toEqual([11, 10, 3, 10]);
    expect(l.hasPendingSnapshot()).toBe(true);
    expect(l.snapshot().meta.index).toBe(10);
    expect(l.allEntries()).toEqual([]);
  });
});
