// The watch checks on hand-written histories: what they must reject (a missed, repeated, altered,
// misplaced or invented event, a wrong prev_kv, a watch that stopped short of a revision a progress
// answer confirmed, an acknowledged write the history lacks, a write nobody made, members that
// disagree, an empty revision) and what they must accept.
import { describe, expect, it } from 'vitest';
import type { KvRecord } from './kv-checks.js';
import {
  checkAgainstKv,
  checkWatch,
  findRevisionGaps,
  HistoryComparison,
  ReferenceHistory,
  type HistoryEvent,
  type SeenEvent,
  type WatchRecord,
} from './watch-checks.js';

const put = (key: string, value: string, mod: number, create: number, version: number): HistoryEvent => ({ type: 'put', key, value, mod, create, version });
const del = (key: string, mod: number): HistoryEvent => ({ type: 'delete', key, value: '', mod, create: 0, version: 0 });

// Revisions 2..8 on two keys.
const HISTORY: HistoryEvent[] = [
  put('a', 'v1', 2, 2, 1),
  put('b', 'v2', 3, 3, 1),
  put('a', 'v3', 4, 2, 2),
  del('a', 5),
  put('b', 'v4', 6, 3, 2),
  put('a', 'v5', 7, 7, 1),
  del('b', 8),
];
const ref = new ReferenceHistory(HISTORY, 8, 'm1');
const name = (i: number): string => `m${i + 1}`;

function watch(over: Partial<WatchRecord> & { events: SeenEvent[] }): WatchRecord {
  return {
    id: 0,
    stream: 0,
    kind: 'key',
    key: 'a',
    rangeEnd: undefined,
    prevKv: false,
    startRevision: 1,
    coveredRevision: 8,
    segments: [{ member: 0, fromRevision: 1, opened: 0 }],
    cancels: [],
    strays: [],
    retired: false,
    dead: false,
    ...over,
  };
}

const seen = (events: HistoryEvent[], extra: Partial<SeenEvent> = {}): SeenEvent[] => events.map((e) => ({ ...e, segment: 0, at: 0, ...extra }));
const ofA = HISTORY.filter((e) => e.key === 'a');
const kinds = (w: WatchRecord): string[] => checkWatch(w, ref, name).anomalies.map((a) => a.kind);

describe('checkWatch', () => {
  it('accepts exactly the events of its key, of a prefix, and from a later start revision', () => {
    expect(kinds(watch({ events: seen(ofA) }))).toEqual([]);
    expect(kinds(watch({ key: '', rangeEnd: '\0', kind: 'prefix', events: seen(HISTORY) }))).toEqual([]);
    expect(kinds(watch({ key: 'b', rangeEnd: 'c', kind: 'prefix', events: seen(HISTORY.filter((e) => e.key === 'b')) }))).toEqual([]);
    expect(kinds(watch({ startRevision: 5, events: seen(ofA.filter((e) => e.mod >= 5)) }))).toEqual([]);
    const figures = checkWatch(watch({ events: seen(ofA) }), ref, name).figures;
    expect(figures).toMatchObject({ checked: 4, missing: 0, through: 8 });
  });

  it('accepts a watch that stopped early when nothing confirmed it had more', () => {
    expect(kinds(watch({ coveredRevision: 0, events: seen(ofA.slice(0, 2)) }))).toEqual([]);
  });

  it('rejects a missed event: in the middle, and at the end when a progress answer covered it', () => {
    expect(kinds(watch({ events: seen([ofA[0]!, ofA[2]!, ofA[3]!]) }))).toEqual(['watch-missed-event']);
    expect(kinds(watch({ coveredRevision: 7, events: seen(ofA.slice(0, 3)) }))).toEqual(['watch-missed-event']);
  });

  it('rejects a repeated event (a resume from the last revision instead of the next)', () => {
    expect(kinds(watch({ events: seen([ofA[0]!, ofA[1]!, ofA[1]!, ofA[2]!, ofA[3]!]) }))).toEqual(['watch-repeated-event']);
  });

  it('rejects events out of order, with another value, and of another key', () => {
    expect(kinds(watch({ events: seen([ofA[1]!, ofA[0]!, ofA[2]!, ofA[3]!]) }))).toEqual(['watch-out-of-order']);
    expect(kinds(watch({ events: seen([ofA[0]!, { ...ofA[1]!, value: 'other' }, ofA[2]!, ofA[3]!]) }))).toEqual(['watch-wrong-event']);
    expect(kinds(watch({ events: seen([...ofA, put('b', 'v2', 3, 3, 1)].sort((x, y) => x.mod - y.mod)) }))).toEqual(['watch-unexpected-event']);
  });

  it('checks prev_kv against the key before each event', () => {
    const right = ofA.map((e) => ({ ...e, prev: ref.prevOf(e.key, e.mod), segment: 0, at: 0 }));
    expect(right.map((e) => e.prev?.value ?? null)).toEqual([null, 'v1', 'v3', null]);
    expect(kinds(watch({ prevKv: true, events: right }))).toEqual([]);
    const wrong = right.map((e, i) => (i === 3 ? { ...e, prev: { value: 'v3', mod: 4, create: 2, version: 2 } } : e));
    expect(kinds(watch({ prevKv: true, events: wrong }))).toEqual(['watch-wrong-prev-kv']);
  });

  it('leaves events after the history it was checked against aside', () => {
    const figures = checkWatch(watch({ events: seen([...ofA, put('a', 'later', 9, 7, 2)]) }), ref, name).figures;
    expect(figures.beyond).toBe(1);
    expect(figures.checked).toBe(4);
  });
});

describe('the history itself', () => {
  it('finds the first difference between two members', () => {
    const same = new HistoryComparison(ref, 'm2');
    HISTORY.forEach((e) => same.add(e));
    expect(same.finish(8)).toBeUndefined();
    const other = new HistoryComparison(ref, 'm3');
    HISTORY.forEach((e) => other.add(e.mod === 6 ? { ...e, value: 'x' } : e));
    expect(other.finish(8)).toMatch(/m3 has put "b"="x" @6/);
    const short = new HistoryComparison(ref, 'm4');
    HISTORY.slice(0, 5).forEach((e) => short.add(e));
    expect(short.finish(8)).toMatch(/m4 lacks put "a"="v5" @7/);
  });

  it('finds revisions without an event', () => {
    expect(findRevisionGaps(ref)).toEqual([]);
    expect(findRevisionGaps(new ReferenceHistory(HISTORY.filter((e) => e.mod !== 5), 8, 'm1'))).toEqual([5]);
  });

  it('holds every acknowledged write at its revision, and only writes that may have happened', () => {
    let index = 0;
    const op = (r: Omit<KvRecord, 'index' | 'process' | 'member' | 'call'>): KvRecord => ({ index: index++, process: 0, member: 0, call: 0, ...r });
    const records: KvRecord[] = [
      op({ input: { type: 'put', key: 'a', value: 'v1' }, outcome: 'ok', output: { type: 'put' }, revision: '2' }),
      op({ input: { type: 'put', key: 'b', value: 'v2' }, outcome: 'unknown' }),
      op({ input: { type: 'cas', key: 'a', expected: 'v1', value: 'v3' }, outcome: 'ok', output: { type: 'cas', succeeded: true }, revision: '4' }),
      op({ input: { type: 'delete', key: 'a' }, outcome: 'ok', output: { type: 'delete', deleted: 1 }, revision: '5' }),
      op({ input: { type: 'put', key: 'b', value: 'v4' }, outcome: 'ok', output: { type: 'put' }, revision: '6' }),
      op({ input: { type: 'put', key: 'a', value: 'v5' }, outcome: 'ok', output: { type: 'put' }, revision: '7' }),
      op({ input: { type: 'delete', key: 'b' }, outcome: 'unknown' }),
    ];
    const kinds = (rs: KvRecord[], h = ref): string[] => checkAgainstKv(h, rs, '').anomalies.map((a) => a.kind);
    expect(kinds(records)).toEqual([]);
    expect(checkAgainstKv(ref, records, '').checked).toBe(5);
    // An acknowledged write the history lacks.
    expect(kinds(records, new ReferenceHistory(HISTORY.filter((e) => e.mod !== 6), 8, 'm1'))).toEqual(['watch-history-lost-write']);
    // A write that certainly failed, yet is in the history.
    expect(kinds(records.map((r) => (r.index === 1 ? { ...r, outcome: 'fail' as const } : r)))).toEqual(['watch-history-phantom-write']);
    // A delete nobody may have made.
    expect(kinds(records.filter((r) => r.index !== 6))).toEqual(['watch-history-phantom-write']);
  });
});
