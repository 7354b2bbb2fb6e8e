// A watch as the caller iterates it: the transport's watcher feeds a bounded queue; when the caller
// falls behind, the watcher is paused (an embedded one catches up from history later, a remote one
// stops reading its stream) instead of the queue growing without end.
import type * as st from '../store/mvcc/types.js';
import { WatchCompactedError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { KeyValue } from './key-value.js';
import type { Watch } from './kv-client.js';
import type { TransportWatcher } from './transport.js';
import type { WatchEvent } from './types.js';

const HIGH_WATER = 1000;
const LOW_WATER = 100;

export class ClientWatch implements Watch {
  private readonly queue: EventQueue<WatchEvent>;
  private watcher: TransportWatcher | undefined;
  private iterated = false;
  private closed = false;
  private taken = 0;
  private linked = true;
  private readonly connectionListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly onClose: (w: ClientWatch) => void) {
    this.queue = new EventQueue<WatchEvent>({
      highWater: HIGH_WATER,
      lowWater: LOW_WATER,
      onDrained: () => this.watcher?.resume(),
      onReturn: () => void this.close(),
    });
  }

  /** Called once the transport's watcher is in place. */
  attach(watcher: TransportWatcher): void {
    this.watcher = watcher;
    this.taken = watcher.startedAfter;
    if (this.closed) watcher.cancel();
  }

  // The transport's sink.
  onEvents(events: readonly st.MvccEvent[]): boolean {
    return this.queue.push(events.map(toWatchEvent));
  }

  onCompacted(compactRevision: number): void {
    this.onClose(this);
    this.queue.finish(new WatchCompactedError(compactRevision));
  }

  onError(error: Error): void {
    this.onClose(this);
    this.queue.finish(error);
  }

  onStreamChange(connected: boolean): void {
    if (connected === this.linked) return;
    this.linked = connected;
    for (const listener of [...this.connectionListeners]) listener(connected);
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  get connected(): boolean {
    return this.linked;
  }

  get revision(): number {
    return this.taken;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.cancel();
    this.onClose(this);
    this.queue.finish();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.iterated) throw new Error('a watch is iterated once');
    this.iterated = true;
    return {
      next: async () => {
        const r = await this.queue.next();
        if (!r.done) this.taken = r.value.revision;
        return r;
      },
      return: () => this.queue.return(),
    };
  }
}

function toWatchEvent(e: st.MvccEvent): WatchEvent {
  const kv = new KeyValue(e.kv);
  return e.prevKv ? { type: e.type, kv, prevKv: new KeyValue(e.prevKv), revision: kv.modRevision } : { type: e.type, kv, revision: kv.modRevision };
}
