import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from '../../raft/errors.js';
import { MemoryStorage, type LogStorage } from '../../raft/storage.js';
import type { ConfState, Entry, Snapshot } from '../../raft/types.js';
import { openStoreDb, type StoreDb } from '../../store/db.js';
import { LogCompactBeyondSnapshotError } from '../../store/errors.js';
import { RaftLogStore } from '../../store/raft-log-store.js';
import { makeTempDir, removeDir } from './helpers/temp-dir.js';

const CS: ConfState = { voters: [1, 2, 3], learners: [4] };

function normal(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { type: 'normal', index, term, data: new TextEncoder().encode(text) };
}

function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(normal(i, term));
  return out;
}

/** Everything raft can observe through the storage interface. */
function observe(s: LogStorage) {
  const first = s.firstIndex();
  const last = s.lastIndex();
  return {
    initial: s.initialState(),
    first,
    last,
    dummyTerm: s.term(first - 1),
    entries: last >= first ? s.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [],
    snapshot: s.snapshot(),
  };
}

describe('RaftLogStore', () => {
  let dir: string;
  let db: StoreDb;

  beforeEach(async () => {
    dir = await makeTempDir('raftlog');
    db = await openStoreDb(dir);
  });

  afterEach(async () => {
    await db.close();
    await removeDir(dir);
  });

  async function reopen(): Promise<RaftLogStore> {
    await db.close();
    db = await openStoreDb(dir);
    return RaftLogStore.open(db);
  }

  it('starts empty', async () => {
    const s = await RaftLogStore.open(db);
    expect(s.firstIndex()).toBe(1);
    expect(s.lastIndex()).toBe(0);
    expect(s.term(0)).toBe(0);
    expect(s.initialState().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
  });

  it('keeps entries and hard state across a reopen', async () => {
    const s = await RaftLogStore.open(db);
    const conf: Entry = { type: 'confChange', index: 4, term: 2, change: { type: 'addLearner', nodeId: 9, context: Uint8Array.of(1, 2) } };
    const noCtx: Entry = { type: 'confChange', index: 5, term: 2, change: { type: 'removeNode', nodeId: 3 } };
    await s.save({ hardState: { term: 2, vote: 1, commit: 3 }, entries: [...range(1, 3, 1), conf, noCtx] });
    const before = observe(s);
    const again = await reopen();
    expect(observe(again)).toEqual(before);
    expect(again.entries(4, 6, 1e9)).toEqual([conf, noCtx]);
    expect(again.initialState().hardState).toEqual({ term: 2, vote: 1, commit: 3 });
  });

  it('replaces a conflicting suffix, also one longer than the new entries', async () => {
    const s = await RaftLogStore.open(db);
    await s.save({ entries: range(1, 10, 1) });
    await s.save({ entries: range(5, 7, 2) });
    expect(s.lastIndex()).toBe(7);
    const again = await reopen();
    expect(again.lastIndex()).toBe(7);
    expect(again.entries(1, 8, 1e9).map((e) => e.term)).toEqual([1, 1, 1, 1, 2, 2, 2]);
    expect(() => again.term(8)).toThrow(UnavailableError);
  });

  it('refuses entries that leave a gap, writing nothing', async () => {
    const s = await RaftLogStore.open(db);
    await s.save({ entries: range(1, 3, 1) });
    await expect(s.save({ hardState: { term: 5, vote: 0, commit: 0 }, entries: range(5, 6, 1) })).rejects.toThrow(UnavailableError);
    const again = await reopen();
    expect(again.lastIndex()).toBe(3);
    expect(again.initialState().hardState.term).toBe(0);
  });

  it('an incoming snapshot replaces the whole log', async () => {
    const s = await RaftLogStore.open(db);
    await s.save({ entries: range(1, 10, 1) });
    const snap: Snapshot = { meta: { index: 20, term: 3, confState: CS }, data: Uint8Array.of(7) };
    await s.save({ snapshot: snap, entries: range(21, 22, 3), hardState: { term: 3, vote: 2, commit: 20 } });
    const again = await reopen();
    expect(again.snapshot()).toEqual(snap);
    expect(again.firstIndex()).toBe(21);
    expect(again.lastIndex()).toBe(22);
    expect(again.term(20)).toBe(3);
    expect(() => again.term(10)).toThrow(CompactedError);
    expect(again.initialState().confState).toEqual(CS);
    await expect(again.save({ snapshot: snap })).rejects.toThrow(SnapshotOutOfDateError);
  });

  it('compacts the log on disk up to a snapshot, keeping entries after it', async () => {
    const s = await RaftLogStore.open(db);
    await s.save({ entries: range(1, 30, 1) });
    const snap = await s.createSnapshot(20, CS, Uint8Array.of(1, 2, 3));
    expect(snap.meta).toEqual({ index: 20, term: 1, confState: CS });
    await s.compact(15);
    await expect(s.compact(25)).rejects.toThrow(LogCompactBeyondSnapshotError);
    await expect(s.compact(10)).rejects.toThrow(CompactedError);
    const before = observe(s);
    expect(before.first).toBe(16);
    const again = await reopen();
    expect(observe(again)).toEqual(before);
    expect(again.snapshot()).toEqual(snap);
    let onDisk = 0;
    for await (const _ of db.keys({ gte: Uint8Array.of(0x10), lt: Uint8Array.of(0x11) })) onDisk++;
    expect(onDisk).toBe(15); // 16 … 30
  });

  it('behaves like MemoryStorage, before and after reopening (property)', async () => {
    type Op =
      | { kind: 'append'; back: number; count: number }
      | { kind: 'hardState'; commit: number }
      | { kind: 'snapshotIn'; ahead: number }
      | { kind: 'createSnapshot'; at: number }
      | { kind: 'compact'; at: number }
      | { kind: 'reopen' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), back: fc.nat(6), count: fc.integer({ min: 1, max: 6 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('hardState' as const), commit: fc.nat(50) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshotIn' as const), ahead: fc.integer({ min: 1, max: 8 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('createSnapshot' as const), at: fc.nat(100) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), at: fc.nat(100) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        await db.clear();
        const model = new MemoryStorage();
        let store = await RaftLogStore.open(db);
        let term = 1;
        for (const op of ops) {
          switch (op.kind) {
            case 'append': {
              term++;
              // Raft never rewrites entries at or below a snapshot: they are committed.
              const from = Math.max(model.snapshot().meta.index + 1, model.lastIndex() + 1 - op.back);
              const ents = range(from, from + op.count - 1, term);
              model.append(ents);
              await store.save({ entries: ents });
              break;
            }
            case 'hardState': {
              const hs = { term, vote: 1, commit: op.commit };
              model.setHardState(hs);
              await store.save({ hardState: hs });
              break;
            }
            case 'snapshotIn': {
              const snap: Snapshot = { meta: { index: model.lastIndex() + op.ahead, term, confState: CS }, data: Uint8Array.of(op.ahead) };
              model.applySnapshot(snap);
              await store.save({ snapshot: snap });
              break;
            }
            case 'createSnapshot': {
              const lo = model.snapshot().meta.index + 1;
              if (lo > model.lastIndex()) break;
              const at = lo + (op.at % (model.lastIndex() - lo + 1));
              model.createSnapshot(at, CS, Uint8Array.of(at % 256));
              await store.createSnapshot(at, CS, Uint8Array.of(at % 256));
              break;
            }
            case 'compact': {
              const lo = model.firstIndex();
              const hi = model.snapshot().meta.index;
              if (lo > hi) break;
              const at = lo + (op.at % (hi - lo + 1));
              model.compact(at);
              await store.compact(at);
              break;
            }
            case 'reopen':
              store = await reopen();
              break;
          }
          expect(observe(store)).toEqual(observe(model));
        }
        store = await reopen();
        expect(observe(store)).toEqual(observe(model));
      }),
      { numRuns: 25 },
    );
  });
});
