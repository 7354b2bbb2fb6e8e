// What a watcher should have seen, worked out naively from the log of every applied event: the
// events of its span from its start revision, through its filters, with prevKv taken from a replay
// of the log. The hub's answers are compared with this. Thousands of watchers times thousands of
// events make this the slow part of a test, so the log's keys are converted once.
import { keySpan, spanContains, toKeyString } from '../../../store/mvcc/key-bytes.js';
import type { KeyValue, MvccEvent } from '../../../store/mvcc/types.js';
import type { WatchSpec } from '../../../store/watch/types.js';
import { str } from './mvcc-harness.js';

export class EventLog {
  private readonly keys: string[];
  /** The kv each event replaced (undefined for a creation), by position. */
  private readonly prevs: (KeyValue | undefined)[];
  /** Position of each revision's first event. */
  private readonly revStart = new Map<number, number>();
  /** Position of each logged kv object: a live delivery hands on the very objects applyBatch made. */
  private readonly byKv = new Map<KeyValue, number>();

  constructor(readonly events: readonly MvccEvent[]) {
    this.keys = events.map((e) => toKeyString(e.kv.key));
    const latest = new Map<string, KeyValue>();
    this.prevs = events.map((e, i) => {
      const key = this.keys[i]!;
      const prev = latest.get(key);
      if (e.type === 'put') latest.set(key, e.kv);
      else latest.delete(key);
      if (!this.revStart.has(e.kv.modRevision)) this.revStart.set(e.kv.modRevision, i);
      this.byKv.set(e.kv, i);
      return prev;
    });
  }

  /** Positions of the events a watcher with this spec, started at `start`, should get. */
  expectedPositions(spec: WatchSpec, start: number): number[] {
    const span = keySpan(spec.key, spec.rangeEnd);
    const out: number[] = [];
    for (let i = this.revStart.get(start) ?? firstAfter(this.events, start); i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.type === 'put' ? spec.noPut : spec.noDelete) continue;
      if (spanContains(span, this.keys[i]!)) out.push(i);
    }
    return out;
  }

  /**
   * Where a delivered event stands in the log, or a description of how it differs from the event
   * there (its key at its revision), prevKv included when the watcher asked for it. `prevRequired`
   * false lets a missing prevKv pass (compacted history has none).
   */
  locate(e: MvccEvent, withPrev: boolean, prevRequired: (i: number) => boolean): number | string {
    let i = this.byKv.get(e.kv);
    if (i === undefined) {
      const key = toKeyString(e.kv.key);
      i = this.revStart.get(e.kv.modRevision);
      if (i === undefined) return `no revision ${e.kv.modRevision} in the log`;
      while (i < this.events.length && this.events[i]!.kv.modRevision === e.kv.modRevision && this.keys[i] !== key) i++;
      if (this.keys[i] !== key) return `no event for ${str(e.kv.key)} at ${e.kv.modRevision}`;
    }
    const logged = this.events[i]!;
    if (logged.type !== e.type || !sameKv(logged.kv, e.kv)) return `event ${str(e.kv.key)}@${e.kv.modRevision} differs`;
    const prev = this.prevs[i];
    if (!withPrev) return e.prevKv === undefined ? i : `unasked prevKv at ${i}`;
    if (e.prevKv === undefined) return prev === undefined || !prevRequired(i) ? i : `missing prevKv at ${i}`;
    return prev !== undefined && sameKv(prev, e.prevKv) ? i : `wrong prevKv at ${i}`;
  }
}

function sameKv(a: KeyValue, b: KeyValue): boolean {
  return (
    a === b ||
    (a.modRevision === b.modRevision &&
      a.createRevision === b.createRevision &&
      a.version === b.version &&
      a.lease === b.lease &&
      Buffer.compare(a.key, b.key) === 0 &&
      Buffer.compare(a.value, b.value) === 0)
  );
}

function firstAfter(events: readonly MvccEvent[], rev: number): number {
  const i = events.findIndex((e) => e.kv.modRevision >= rev);
  return i < 0 ? events.length : i;
}
