// Range reads with etcd's semantics (etcdserver's executeRange over mvcc's rangeKeys): revision
// checks, limit + 1 to learn `more`, revision filters and sorting after the fetch, count before both.
import { CompactedError, FutureRevisionError } from '../errors.js';
import { compareBytes, keySpan } from './key-bytes.js';
import type { ReadView } from './read-view.js';
import type { KeyValue, RangeRequest, RangeResponse, SortOrder, SortTarget } from './types.js';

/** The revision a read asks for, checked against the view: etcd's future / compacted errors. */
export function readRevision(view: ReadView, requested: number | undefined): number {
  const rev = requested ?? 0;
  if (rev > view.rev) throw new FutureRevisionError();
  const at = rev <= 0 ? view.rev : rev;
  if (at < view.compactRev) throw new CompactedError();
  return at;
}

export async function executeRange(view: ReadView, req: RangeRequest): Promise<RangeResponse> {
  const atRev = readRevision(view, req.revision);
  const limit = req.limit ?? 0;
  const filtered = Boolean(req.minModRevision || req.maxModRevision || req.minCreateRevision || req.maxCreateRevision);
  const order = effectiveOrder(req.sortOrder ?? 'none', req.sortTarget ?? 'key');
  // Sorting and filtering need every kv; otherwise one past the limit tells whether there is more.
  const fetchLimit = order !== 'none' || filtered ? 0 : limit > 0 ? limit + 1 : 0;
  const { hits, total } = view.index.revisions(keySpan(req.key, req.rangeEnd), atRev, fetchLimit);
  if (req.countOnly || hits.length === 0) return { revision: view.rev, kvs: [], more: false, count: total };

  let kvs = await view.fetch(hits);
  if (filtered) kvs = kvs.filter((kv) => passesFilters(kv, req));
  if (order !== 'none') sortKvs(kvs, req.sortTarget ?? 'key', order);
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
  return { revision: view.rev, kvs, more, count: total };
}

const EMPTY = new Uint8Array(0);

function passesFilters(kv: KeyValue, r: RangeRequest): boolean {
  if (r.maxModRevision && kv.modRevision > r.maxModRevision) return false;
  if (r.minModRevision && kv.modRevision < r.minModRevision) return false;
  if (r.maxCreateRevision && kv.createRevision > r.maxCreateRevision) return false;
  if (r.minCreateRevision && kv.createRevision < r.minCreateRevision) return false;
  return true;
}

/**
 * Results come in key order already: etcd sorts ascending by default when the target is not the
 * key, and skips sorting ascending by key.
 */
function effectiveOrder(order: SortOrder, target: SortTarget): SortOrder {
  if (target !== 'key' && order === 'none') return 'ascend';
  if (target === 'key' && order === 'ascend') return 'none';
  return order;
}

const BY_TARGET: Record<SortTarget, (a: KeyValue, b: KeyValue) => number> = {
  key: (a, b) => compareBytes(a.key, b.key),
  version: (a, b) => a.version - b.version,
  create: (a, b) => a.createRevision - b.createRevision,
  mod: (a, b) => a.modRevision - b.modRevision,
  value: (a, b) => compareBytes(a.value, b.value),
};

/** Stable, so that ties keep key order. */
function sortKvs(kvs: KeyValue[], target: SortTarget, order: SortOrder): void {
  const cmp = BY_TARGET[target];
  kvs.sort(order === 'descend' ? (a, b) => cmp(b, a) : cmp);
}
