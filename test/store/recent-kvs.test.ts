// The in-memory records of recent revisions: what was added or used since the last generation
// turned over is kept, what nobody used for two generations goes, within a count of entries and an
// estimate of bytes.
import { describe, expect, it } from 'vitest';
import { RecentKvs } from '../../store/mvcc/recent-kvs.js';
import type { KeyValue } from '../../store/mvcc/types.js';

const kv = (rev: number, valueBytes = 10): KeyValue => ({ key: new TextEncoder().encode(`k${rev}`), createRevision: rev, modRevision: rev, version: 1, value: new Uint8Array(valueBytes), lease: 0n });
const kept = (recent: RecentKvs, revs: number[]): number[] => revs.filter((r) => recent.get(r, 0) !== undefined);

describe('recent revisions kept in memory', () => {
  it('keeps what was used again across a turnover and drops what was not', () => {
    const recent = new RecentKvs(8, 1 << 20);
    for (const r of [1, 2, 3]) recent.add(r, 0, kv(r));
    recent.add(4, 0, kv(4)); // the young generation is full (4 of 8): it becomes the old one
    expect(recent.get(1, 0)?.modRevision).toBe(1); // used again: young once more
    for (const r of [5, 6, 7]) recent.add(r, 0, kv(r)); // full again: 1, 5, 6, 7 old; 2, 3, 4 gone
    expect(kept(recent, [1, 2, 3, 4, 5, 6, 7])).toEqual([1, 5, 6, 7]);
    expect(recent.size.entries).toBeLessThanOrEqual(8);
  });

  it('keeps within its bytes', () => {
    const entry = 2 + 1000 + 160;
    const recent = new RecentKvs(1000, 4 * entry);
    for (let r = 1; r <= 20; r++) recent.add(r, 0, kv(r, 1000));
    expect(recent.size.bytes).toBeLessThanOrEqual(4 * entry);
    expect(kept(recent, [19, 20])).toEqual([19, 20]);
    expect(kept(recent, [1, 2, 3])).toEqual([]);
  });

  it('counts a revision added twice once, and forgets everything on clear', () => {
    const recent = new RecentKvs(1000, 1 << 20);
    recent.add(1, 0, kv(1));
    recent.add(1, 0, kv(1));
    expect(recent.size).toEqual({ entries: 1, bytes: 2 + 10 + 160 });
    recent.clear();
    expect(recent.size).toEqual({ entries: 0, bytes: 0 });
    expect(recent.get(1, 0)).toBeUndefined();
  });
});
