// One watcher as the hub keeps it. A watcher is in one of four states:
//   live      in its group: gets each applied batch's events as the hub is notified
//   unsynced  behind the notified revision: caught up from history, then rejoins the live group
//   paused    its sink refused more: waits for resume(), then is caught up like an unsynced one
//   ended     canceled, compacted, or the hub closed
import type { KeySpan } from '../mvcc/key-bytes.js';
import type { WatchGroup } from './watch-group.js';
import type { WatchSink, Watcher } from './types.js';

export type WatcherStatus = 'live' | 'unsynced' | 'paused' | 'ended';

/** What a watcher asks of its hub. */
export interface WatcherOwner {
  /** The revision the hub was last notified of. */
  readonly notifiedRevision: number;
  resume(w: HubWatcher): void;
  cancel(w: HubWatcher): void;
}

export class HubWatcher implements Watcher {
  status: WatcherStatus = 'unsynced';
  /** The first revision not yet delivered; meaningful whenever the watcher is not live. */
  nextRev: number;
  /** A live watcher that started in the future takes no event below this revision. */
  minRev = 0;
  /**
   * The start revision when it was the compaction revision at watch(): etcd then replays what that
   * revision kept (its puts; its deletes went with the compaction). 0 otherwise.
   */
  startAtCompaction = 0;

  constructor(
    private readonly owner: WatcherOwner,
    readonly group: WatchGroup<HubWatcher>,
    readonly sink: WatchSink,
    startRevision: number,
  ) {
    this.nextRev = startRevision;
  }

  get span(): KeySpan {
    return this.group.span;
  }

  get deliveredRevision(): number {
    return this.status === 'live' ? this.owner.notifiedRevision : this.nextRev - 1;
  }

  resume(): void {
    this.owner.resume(this);
  }

  cancel(): void {
    this.owner.cancel(this);
  }
}
