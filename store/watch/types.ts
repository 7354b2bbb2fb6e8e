// What the watch hub offers a member; rpc/watch-backend.ts serves these same types to the Watch
// service, so the member hands hub.watch straight to it.
import type { MvccEvent } from '../mvcc/types.js';

export interface WatchSpec {
  readonly key: Uint8Array;
  /** etcd's conventions: absent = the one key; [0] = every key ≥ key; otherwise [key, rangeEnd). */
  readonly rangeEnd?: Uint8Array;
  /** Deliver events from this revision on; 0 = from the next revision. */
  readonly startRevision: number;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
}

/** Where a watcher's output goes (the Watch service's stream). */
export interface WatchSink {
  /**
   * Events of one or more whole revisions, in revision order, never skipping or repeating one. The
   * events given are taken either way; false says the sink cannot take more now: the watcher then
   * stops, and after `resume()` catches up from history from the revision after these.
   * `throughRevision`, when given, says the watcher has now had every event up to that revision:
   * a catch-up from history reached the revision the hub was last notified of.
   */
  onEvents(events: readonly MvccEvent[], throughRevision?: number): boolean;
  /** The next revision the watcher needed was compacted away: it has ended. */
  onCompacted(compactRevision: number): void;
}

export interface Watcher {
  /** Every event up to this revision has been delivered (what a progress notification reports). */
  readonly deliveredRevision: number;
  /** The sink can take events again. */
  resume(): void;
  /** Ends the watcher; nothing more reaches its sink. */
  cancel(): void;
}

export interface WatchHubOptions {
  /**
   * The most events handed to a sink in one onEvents call; a call still carries whole revisions, so
   * one revision with more events goes alone. Default 1000.
   */
  readonly batchEvents?: number;
  /** Events read from history per page while catching a watcher up. Default 1000. */
  readonly pageEvents?: number;
}
