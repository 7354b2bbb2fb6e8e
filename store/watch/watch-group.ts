// Watchers that want exactly the same events (same key span, filters and prevKv) form a group: an
// applied batch is matched against each group once, however many watchers it has, and they all get
// the same event array.
import { keySpan, type KeySpan } from '../mvcc/key-bytes.js';
import type { MvccEvent } from '../mvcc/types.js';
import type { EventFilter } from './event-batches.js';
import type { WatchSpec } from './types.js';

export class WatchGroup<W> implements EventFilter {
  readonly members = new Set<W>();
  /** Events matched during the notify in progress. */
  matched: MvccEvent[] = [];

  constructor(
    readonly id: string,
    readonly span: KeySpan,
    readonly prevKv: boolean,
    readonly noPut: boolean,
    readonly noDelete: boolean,
  ) {}
}

/** What identifies a group: the span, the filters and prevKv. */
export function groupId(span: KeySpan, spec: WatchSpec): string {
  const flags = (spec.prevKv ? 1 : 0) | (spec.noPut ? 2 : 0) | (spec.noDelete ? 4 : 0);
  // The key strings are binary (one char per byte); a length prefix keeps the parts apart.
  return span.single ? `${flags}k${span.start}` : `${flags}r${span.start.length}:${span.start}${span.end === null ? '' : `:${span.end}`}`;
}

export function specSpan(spec: WatchSpec): KeySpan {
  return keySpan(spec.key, spec.rangeEnd);
}
