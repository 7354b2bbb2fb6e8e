// What the Watch service needs from a member. rpc/ declares it; cluster/ implements it (with the
// store's watch hub).
import type { WatchSink, WatchSpec, Watcher } from '../store/watch/types.js';
import type { HeaderFields } from './kv-convert.js';

// The watcher types are the store's watch hub's own: the member hands hub.watch straight to the service.
export type { WatchSink, WatchSpec, Watcher } from '../store/watch/types.js';

export interface WatchBackend {
  watch(spec: WatchSpec, sink: WatchSink): Watcher;
  /** The member's current revision (what a progress notification reports when caught up). */
  currentRevision(): number;
  headerFields(): HeaderFields;
}
