// Small event helpers of the watch hub: filters, prevKv, and cutting events into deliveries of whole
// revisions.
import type { MvccEvent } from '../mvcc/types.js';

export interface EventFilter {
  readonly noPut: boolean;
  readonly noDelete: boolean;
}

export function passes(filter: EventFilter, e: MvccEvent): boolean {
  return e.type === 'put' ? !filter.noPut : !filter.noDelete;
}

/** The event as a watcher that did not ask for prevKv gets it. */
export function withoutPrevKv(e: MvccEvent): MvccEvent {
  return e.prevKv === undefined ? e : { type: e.type, kv: e.kv };
}

/**
 * A live event whose prevKv exists but was not read: the batch was applied without prevKv (a
 * watcher asking for it came after the member asked wantsPrevKv()). Only a creation has none.
 */
export function lacksPrevKv(e: MvccEvent): boolean {
  return e.prevKv === undefined && (e.type === 'delete' || e.kv.version > 1);
}

export function revisionOf(e: MvccEvent): number {
  return e.kv.modRevision;
}

/** Index of the first event at or after `revision` in events sorted by revision. */
export function firstAtOrAfter(events: readonly MvccEvent[], revision: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (revisionOf(events[mid]!) < revision) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Cuts events (sorted by revision) into runs of whole revisions of at most `max` events each; a
 * revision with more than `max` events goes alone.
 */
export function revisionBatches(events: readonly MvccEvent[], max: number): (readonly MvccEvent[])[] {
  if (events.length <= max) return [events];
  const out: (readonly MvccEvent[])[] = [];
  let start = 0;
  while (start < events.length) {
    let end = Math.min(start + max, events.length);
    if (end < events.length && revisionOf(events[end]!) === revisionOf(events[end - 1]!)) {
      // end falls inside a revision: back off to its start, or, if the run is that one revision, take all of it.
      const rev = revisionOf(events[end]!);
      let cut = end;
      while (cut > start && revisionOf(events[cut - 1]!) === rev) cut--;
      if (cut > start) end = cut;
      else while (end < events.length && revisionOf(events[end]!) === rev) end++;
    }
    out.push(events.slice(start, end));
    start = end;
  }
  return out;
}
