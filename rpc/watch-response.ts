// The WatchResponses of etcd's watch server, built as etcd 3.4 builds them (checked against a real
// etcd): which fields each kind sets, and which revision its header carries.
import type * as pb from './etcd-api.js';
import { fromKeyValue, header, type HeaderFields } from './kv-convert.js';
import type { MvccEvent } from '../store/mvcc/types.js';
import type { WatchSpec } from './watch-backend.js';

export type WatchResponseOut = pb.Outgoing<pb.WatchResponse>;
export type EventOut = pb.Outgoing<pb.Event>;

/** The watch_id of responses that belong to no watcher: refused creates and progress requests. */
export const NO_WATCH_ID = '-1';

/** The watcher exists; its events follow. The header holds the revision it was created at. */
export function createdResponse(h: HeaderFields, revision: number, watchId: bigint): WatchResponseOut {
  return { header: header(h, revision), watch_id: String(watchId), created: true };
}

/** A create request refused (duplicate id, empty range): created and canceled at once, with the reason. */
export function refusedResponse(h: HeaderFields, revision: number, reason: string): WatchResponseOut {
  return { header: header(h, revision), watch_id: NO_WATCH_ID, created: true, canceled: true, cancel_reason: reason };
}

/** The answer to a cancel request, or a watcher ended by the server (with its reason). */
export function canceledResponse(h: HeaderFields, revision: number, watchId: bigint, reason = ''): WatchResponseOut {
  return { header: header(h, revision), watch_id: String(watchId), canceled: true, cancel_reason: reason };
}

/** The watcher's start revision was compacted: etcd sends header revision 0 here. */
export function compactedResponse(h: HeaderFields, watchId: bigint, compactRevision: number): WatchResponseOut {
  return { header: header(h, 0), watch_id: String(watchId), canceled: true, compact_revision: String(compactRevision) };
}

/** Every event up to `revision` has been sent: for one watcher (progress_notify) or the stream (NO_WATCH_ID). */
export function progressResponse(h: HeaderFields, revision: number, watchId: bigint | typeof NO_WATCH_ID): WatchResponseOut {
  return { header: header(h, revision), watch_id: String(watchId) };
}

export function eventsResponse(h: HeaderFields, revision: number, watchId: bigint, events: readonly EventOut[]): WatchResponseOut {
  return { header: header(h, revision), watch_id: String(watchId), events };
}

/**
 * The events a watcher asked for, in etcd's form: filtered by its NOPUT / NODELETE filters and with
 * prev_kv only when asked for (the member may fill it for every watcher of a revision).
 */
export function selectEvents(events: readonly MvccEvent[], spec: WatchSpec): EventOut[] {
  const selected: EventOut[] = [];
  for (const e of events) {
    if (e.type === 'put' ? spec.noPut : spec.noDelete) continue;
    selected.push({
      type: e.type === 'put' ? 'PUT' : 'DELETE',
      kv: fromKeyValue(e.kv),
      prev_kv: spec.prevKv && e.prevKv ? fromKeyValue(e.prevKv) : null,
    });
  }
  return selected;
}
