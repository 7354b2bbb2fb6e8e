// What the Watch service needs from a member. rpc/ declares it; cluster/ implements it (with the
// store's watch hub).
import type { MvccEvent } from '../store/mvcc/types.js';
import type { HeaderFields } from './kv-convert.js';

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

/** Where a watcher's output goes: the Watch service's stream. */
export interface WatchSink {
  /**
   * Events of one or more whole revisions, in revision order, never skipping or repeating one.
   * Returns false when the sink cannot take more now (the stream's buffer is full): the watcher
   * then stops, and catches up from history after `resume()`.
   * `throughRevision`, when given, says the watcher has now had every event up to that revision
   * (a catch-up from history that reached the member's revision): the response header then
   * carries it, as etcd's does; without it the header carries the last event's revision.
   */
  onEvents(events: readonly MvccEvent[], throughRevision?: number): boolean;
  /** The watcher's start revision was compacted away: it is canceled. */
  onCompacted(compactRevision: number): void;
}

export interface Watcher {
  /** Every event up to this revision has been delivered (for progress notifications). */
  readonly deliveredRevision: number;
  /** The sink can take events again. */
  resume(): void;
  cancel(): void;
}

export interface WatchBackend {
  watch(spec: WatchSpec, sink: WatchSink): Watcher;
  /** The member's current revision (what a progress notification reports when caught up). */
  currentRevision(): number;
  headerFields(): HeaderFields;
}
