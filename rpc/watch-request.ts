// A WatchCreateRequest as the member's WatchSpec, with the checks and defaults of etcd's watch
// server: an empty key means "\0" (the smallest key), range_end "\0" means every key from `key`
// on, and a range that holds no key is refused with etcd's reason.
import type * as pb from './etcd-api.js';
import type { WatchSpec } from './watch-backend.js';

/** etcd's cancel_reason for a refused create request (mvcc.ErrEmptyWatcherRange). */
export const EMPTY_RANGE_REASON = 'mvcc: watcher range is empty';
/** etcd's cancel_reason for a create request whose watch_id is in use (mvcc.ErrWatcherDuplicateID). */
export const DUPLICATE_ID_REASON = 'mvcc: duplicate watch ID provided on the WatchStream';

/**
 * The cancel_reason for a create request past a stream's watcher limit. The limit is Lodestone's
 * own (etcd 3.4 accepts any number of watchers on a stream), so is the text.
 */
export function tooManyWatchersReason(limit: number): string {
  return `watch: too many watchers on this stream (at most ${limit}); cancel some or open another stream`;
}

export interface ParsedCreate {
  /** 0n = let the server choose. */
  readonly requestedId: bigint;
  readonly spec: WatchSpec;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
}

const SMALLEST_KEY = new Uint8Array([0]);

/** The watch a create request asks for, or etcd's reason for refusing it. */
export function parseCreateRequest(req: pb.WatchCreateRequest): ParsedCreate | { readonly refused: string } {
  const key = req.key.length > 0 ? req.key : SMALLEST_KEY;
  const rangeEnd = req.range_end.length > 0 ? req.range_end : undefined;
  const fromKey = rangeEnd !== undefined && rangeEnd.length === 1 && rangeEnd[0] === 0;
  if (rangeEnd !== undefined && !fromKey && Buffer.compare(key, rangeEnd) >= 0) return { refused: EMPTY_RANGE_REASON };
  const startRevision = Number(req.start_revision);
  return {
    requestedId: BigInt(req.watch_id),
    spec: {
      key,
      ...(rangeEnd ? { rangeEnd } : {}),
      // etcd 3.4 watches a negative start revision from now, like 0.
      startRevision: startRevision < 0 ? 0 : startRevision,
      prevKv: req.prev_kv,
      // Filter values etcd does not know are ignored, as etcd ignores them.
      noPut: req.filters.includes('NOPUT'),
      noDelete: req.filters.includes('NODELETE'),
    },
    progressNotify: req.progress_notify,
    fragment: req.fragment,
  };
}
