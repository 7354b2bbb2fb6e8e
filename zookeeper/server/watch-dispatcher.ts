// A member's one watcher on the znode tree, fanned out to its ZooKeeper sessions. Events reach it
// as the member applies them, before any read can see their revision, so a session's watch event is
// written to its socket before the reply of any read that sees the change: ZooKeeper's ordering
// guarantee. A watch is set after its read answered at some revision; changes past that revision
// that happened meanwhile are kept in a short ring, so setting the watch fires them at once.
import type { Logger } from 'pino';
import type { WatchBackend, Watcher } from '../../rpc/watch-backend.js';
import type { MvccEvent } from '../../store/mvcc/types.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { ZK_DATA_PREFIX } from '../layout.js';
import { znodeEvents, type ZNodeEvent } from './znode-events.js';

export interface WatchSubscriber {
  /** Events in revision order; the subscriber decides which of its watches fire. */
  onZNodeEvent(event: ZNodeEvent): void;
}

const RECENT_EVENTS = 8192;

export class WatchDispatcher {
  private readonly subscribers = new Set<WatchSubscriber>();
  private readonly recent: ZNodeEvent[] = [];
  private watcher: Watcher | undefined;

  constructor(
    private readonly backend: WatchBackend,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const key = new TextEncoder().encode(ZK_DATA_PREFIX);
    this.watcher = this.backend.watch(
      { key, rangeEnd: prefixEnd(key), startRevision: 0, prevKv: false, noPut: false, noDelete: false },
      {
        onEvents: (events) => {
          this.deliver(events);
          return true;
        },
        onCompacted: (rev) => this.logger.warn({ compactRevision: rev }, 'zookeeper watch dispatcher fell behind compaction'),
      },
    );
  }

  subscribe(s: WatchSubscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Every change the subscriber might have missed after `revision` (its read's), oldest first. */
  changesSince(revision: number, path: string): ZNodeEvent[] {
    const out: ZNodeEvent[] = [];
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const e = this.recent[i];
      if (e === undefined || e.revision <= revision) break;
      if (e.path === path) out.push(e);
    }
    return out.reverse();
  }

  /** Resolves once every event up to the revision has been handed to the subscribers. */
  async caughtUp(revision: number): Promise<void> {
    if (this.delivered() >= revision) return;
    // Only a watcher catching up from history is behind; look again shortly.
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (this.delivered() >= revision || this.watcher === undefined) resolve();
        else setTimeout(poll, 2);
      };
      setTimeout(poll, 2);
    });
  }

  private delivered(): number {
    return this.watcher?.deliveredRevision ?? Number.MAX_SAFE_INTEGER;
  }

  private deliver(events: readonly MvccEvent[]): void {
    for (const e of events) {
      for (const ze of znodeEvents(e)) {
        this.recent.push(ze);
        for (const s of this.subscribers) s.onZNodeEvent(ze);
      }
    }
    if (this.recent.length > RECENT_EVENTS * 2) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
  }

  close(): void {
    this.watcher?.cancel();
    this.watcher = undefined;
    this.subscribers.clear();
  }
}
