// The event history of a key span, read from the revision-keyed records (etcd's rangeEvents): what
// a watcher that starts in the past, or fell behind, catches up from. Records are scanned in
// revision order, a page at a time; a page always ends at a revision boundary, so that one
// revision's events are never split.
import type { StoreDb } from '../db.js';
import { CompactedError, FutureRevisionError } from '../errors.js';
import { StateSpace } from '../keyspace.js';
import { keySpan, spanContains, toKeyString } from './key-bytes.js';
import { decodeIndexEntry, decodeKv } from './kv-codec.js';
import type { TreeIndex } from './tree-index.js';
import type { HistoryPage, HistoryRequest, KeyValue, MvccEvent } from './types.js';

const DEFAULT_LIMIT = 1000;
/** Records looked at per page, matching or not: bounds the work of a page over a narrow span. */
const SCAN_LIMIT = 10_000;
const ITERATOR_PAGE = 512;

/** The state a history read runs against; compactRevision is asked again before each index lookup. */
export interface HistorySource {
  readonly db: StoreDb;
  readonly space: StateSpace;
  readonly index: TreeIndex;
  readonly revision: number;
  compactRevision(): number;
}

/**
 * Everything up to the first await runs synchronously, so the revisions checked are the ones the
 * LevelDB iterator (or snapshot) sees: a compaction purging records meanwhile does not show.
 */
export async function readHistory(src: HistorySource, req: HistoryRequest): Promise<HistoryPage> {
  const compactRev = src.compactRevision();
  const to = req.toRevision && req.toRevision > 0 ? req.toRevision : src.revision;
  if (to > src.revision) throw new FutureRevisionError();
  if (req.fromRevision < compactRev) throw new CompactedError(compactRev);
  const from = Math.max(req.fromRevision, 1);
  if (from > to) return { events: [], nextRevision: from, more: false, revision: src.revision };

  const span = keySpan(req.key, req.rangeEnd);
  const limit = req.limit && req.limit > 0 ? req.limit : DEFAULT_LIMIT;
  const snapshot = req.prevKv ? src.db.snapshot() : undefined;
  const it = src.db.iterator({ gte: src.space.revisionKey(from, 0), lt: src.space.revisionKey(to + 1, 0), ...(snapshot ? { snapshot } : {}) });
  const events: MvccEvent[] = [];
  let scanned = 0;
  let current = 0;
  let nextRevision = to + 1;
  try {
    scan: for (;;) {
      const page = await it.nextv(ITERATOR_PAGE);
      if (page.length === 0) break;
      for (const [k, v] of page) {
        const main = StateSpace.mainOf(k);
        if (main !== current) {
          if (events.length >= limit || scanned >= SCAN_LIMIT) {
            nextRevision = main;
            break scan;
          }
          current = main;
        }
        scanned++;
        const entry = decodeIndexEntry(v);
        if (!spanContains(span, entry.key)) continue;
        // A compaction drops the tombstones at its own revision (etcd's keyIndex.compact keeps no
        // tombstone); they may or may not be gone from disk yet, so they are never read.
        if (entry.tombstone && main === compactRev) continue;
        const kv = decodeKv(main, v);
        events.push({ type: entry.tombstone ? 'delete' : 'put', kv });
      }
    }
    const filled = snapshot ? await withPrevKvs(src, events, snapshot) : events;
    return { events: filled, nextRevision, more: nextRevision <= to, revision: src.revision };
  } finally {
    await it.close();
    await snapshot?.close();
  }
}

/**
 * Each event's kv at the revision before it, as etcd's watch server reads it: skipped for a
 * creation, and where that revision is compacted.
 */
async function withPrevKvs(src: HistorySource, events: MvccEvent[], snapshot: ReturnType<StoreDb['snapshot']>): Promise<MvccEvent[]> {
  const compactRev = src.compactRevision();
  const wanted: number[] = [];
  const keys: Uint8Array[] = [];
  events.forEach((e, i) => {
    const before = e.kv.modRevision - 1;
    if (before < compactRev || (e.type === 'put' && e.kv.version === 1)) return;
    const hit = src.index.get(toKeyString(e.kv.key), before);
    if (hit === undefined) return;
    wanted.push(i);
    keys.push(src.space.revisionKey(hit.main, hit.sub));
  });
  if (keys.length === 0) return events;
  const values = await src.db.getMany(keys, { snapshot });
  const out = events.slice();
  wanted.forEach((i, j) => {
    const v = values[j];
    if (v === undefined) return;
    const prevKv: KeyValue = decodeKv(StateSpace.mainOf(keys[j]!), v);
    out[i] = { ...events[i]!, prevKv };
  });
  return out;
}
