// The history read: events of a key span over a revision interval, from the revision records, paged
// at revision boundaries, with prevKv on request, refusing compacted revisions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError, EmptyKeyError, FutureRevisionError } from '../../store/errors.js';
import { FROM_KEY, prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { HistoryRequest, MvccEvent } from '../../store/mvcc/types.js';
import { MvccHarness, b, str } from './helpers/mvcc-harness.js';

/** An event as "type key=value@rev", prevKv appended when present. */
function showEvent(e: MvccEvent): string {
  const base = `${e.type} ${str(e.kv.key)}${e.type === 'put' ? `=${str(e.kv.value)}` : ''}@${e.kv.modRevision}`;
  return e.prevKv ? `${base} (was ${str(e.prevKv.value)}@${e.prevKv.modRevision})` : base;
}

describe('MvccStore.history', () => {
  let h: MvccHarness;

  beforeEach(async () => {
    h = await MvccHarness.create();
    await h.put('a', '1'); // 2
    await h.put('b', '1'); // 3
    await h.put('a', '2'); // 4
    await h.txn({
      success: [
        { type: 'put', request: { key: b('c'), value: b('1') } },
        { type: 'put', request: { key: b('b'), value: b('2') } },
      ],
    }); // 5
    await h.del('a'); // 6
    await h.put('ab', '1'); // 7
    await h.del('a', 'c'); // 8: ab, b
  });

  afterEach(async () => {
    await h.destroy();
  });

  const read = async (req: Partial<HistoryRequest> & { key: Uint8Array }) =>
    (await h.store.history({ fromRevision: 1, ...req })).events.map(showEvent);

  it('reads one key’s events in revision order', async () => {
    expect(await read({ key: b('a') })).toEqual(['put a=1@2', 'put a=2@4', 'delete a@6']);
  });

  it('reads a range, a prefix and every key, sub-revision order within a revision', async () => {
    expect(await read({ key: b('a'), rangeEnd: b('b'), fromRevision: 4 })).toEqual(['put a=2@4', 'delete a@6', 'put ab=1@7', 'delete ab@8']);
    expect(await read({ key: b('a'), rangeEnd: prefixEnd(b('a')), fromRevision: 7 })).toEqual(['put ab=1@7', 'delete ab@8']);
    expect(await read({ key: b('b'), rangeEnd: FROM_KEY, fromRevision: 5, toRevision: 5 })).toEqual(['put c=1@5', 'put b=2@5']);
  });

  it('reports where the read ended', async () => {
    const page = await h.store.history({ key: b('a'), fromRevision: 3, toRevision: 6 });
    expect(page).toMatchObject({ nextRevision: 7, more: false, revision: 8 });
    expect((await h.store.history({ key: b('z'), fromRevision: 9 })).events).toEqual([]);
  });

  it('pages at revision boundaries, never splitting a revision', async () => {
    const all = { key: Uint8Array.of(0), rangeEnd: FROM_KEY };
    const seen: string[] = [];
    const pages: number[] = [];
    let from = 1;
    for (;;) {
      const page = await h.store.history({ ...all, fromRevision: from, limit: 2 });
      seen.push(...page.events.map(showEvent));
      pages.push(page.events.length);
      if (!page.more) break;
      from = page.nextRevision;
    }
    // A page ends with the revision that brings it to 2 events: 2-3, 4-5 (5 has two), 6-7, 8 (two).
    expect(pages).toEqual([2, 3, 2, 2]);
    expect(seen).toEqual(await read(all));
    expect(seen).toHaveLength(9);
  });

  it('fills prevKv from the revision before each event, none for a creation', async () => {
    const events = (await h.store.history({ key: b('a'), rangeEnd: b('c'), fromRevision: 1, prevKv: true })).events.map(showEvent);
    expect(events).toEqual([
      'put a=1@2',
      'put b=1@3',
      'put a=2@4 (was 1@2)',
      'put b=2@5 (was 1@3)',
      'delete a@6 (was 2@4)',
      'put ab=1@7',
      'delete ab@8 (was 1@7)',
      'delete b@8 (was 2@5)',
    ]);
  });

  it('refuses a start below the compaction revision, naming it; reads from it otherwise', async () => {
    await h.compact(5);
    const err = await h.store.history({ key: b('a'), rangeEnd: FROM_KEY, fromRevision: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect(err).toMatchObject({ compactRevision: 5, message: 'mvcc: required revision has been compacted' });
    // From the compaction revision itself: its puts are kept, and prevKv reads at 5 or later only
    // (b@5's own prevKv, at 4, is compacted), as etcd's watch server does.
    expect(await read({ key: b('a'), rangeEnd: FROM_KEY, fromRevision: 5, prevKv: true })).toEqual([
      'put c=1@5',
      'put b=2@5',
      'delete a@6 (was 2@4)',
      'put ab=1@7',
      'delete ab@8 (was 1@7)',
      'delete b@8 (was 2@5)',
    ]);
    await h.store.compactionsSettled();
    expect(await read({ key: b('b'), fromRevision: 5 })).toEqual(['put b=2@5', 'delete b@8']);
  });

  it('drops the tombstones at the compaction revision, whether or not they are gone from disk yet', async () => {
    await h.compact(6); // a's delete at 6 goes with the compaction
    expect(await read({ key: b('a'), rangeEnd: FROM_KEY, fromRevision: 6 })).toEqual(['put ab=1@7', 'delete ab@8', 'delete b@8']);
    await h.store.compactionsSettled();
    expect(await read({ key: b('a'), rangeEnd: FROM_KEY, fromRevision: 6 })).toEqual(['put ab=1@7', 'delete ab@8', 'delete b@8']);
  });

  it('refuses a future end revision and an empty key', async () => {
    await expect(h.store.history({ key: b('a'), fromRevision: 1, toRevision: 9 })).rejects.toThrow(FutureRevisionError);
    await expect(h.store.history({ key: b(''), fromRevision: 1 })).rejects.toThrow(EmptyKeyError);
  });
});
