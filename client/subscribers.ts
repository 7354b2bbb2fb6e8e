// Fan-out of changes to every loop iterating a discovery or a config: each iterator starts with the
// state as it is (one change per entry, given by the caller at subscription) and then gets every
// change published after it, in order — so a loop that starts late misses nothing. These streams
// carry few changes (instances coming and going, config edits), so a slow loop's queue is not
// bounded.
import { EventQueue } from './event-queue.js';

export class Subscribers<T> {
  private readonly queues = new Set<EventQueue<T>>();
  private finished: { error?: Error } | undefined;

  subscribe(initial: readonly T[]): AsyncIterableIterator<T> {
    const q: EventQueue<T> = new EventQueue<T>({
      highWater: Number.POSITIVE_INFINITY,
      lowWater: 0,
      onDrained: () => undefined,
      onReturn: () => this.queues.delete(q),
    });
    q.push(initial);
    if (this.finished) q.finish(this.finished.error);
    else this.queues.add(q);
    return q;
  }

  publish(items: readonly T[]): void {
    for (const q of this.queues) q.push(items);
  }

  finish(error?: Error): void {
    if (this.finished) return;
    this.finished = error ? { error } : {};
    for (const q of this.queues) q.finish(error);
    this.queues.clear();
  }
}
