// A queue between a producer that pushes in batches and one consumer that pulls with for-await.
// Past `highWater` items push() says "enough for now" (the producer pauses); once the consumer has
// taken the queue down to `lowWater`, onDrained() lets the producer go on. Memory stays bounded by
// highWater plus one batch.

export interface EventQueueOptions {
  readonly highWater: number;
  readonly lowWater: number;
  /** The queue went from above highWater down to lowWater. */
  readonly onDrained: () => void;
  /** The consumer stopped (broke out of its loop): the producer should stop too. */
  readonly onReturn: () => void;
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;
  private full = false;
  private finished: { error?: Error } | undefined;
  private returned = false;

  constructor(private readonly options: EventQueueOptions) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds items; false when the producer should pause until onDrained. */
  push(items: readonly T[]): boolean {
    if (this.finished || this.returned || items.length === 0) return !this.full;
    let i = 0;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.resolve({ value: items[i++]!, done: false });
    }
    for (; i < items.length; i++) this.items.push(items[i]!);
    if (this.size >= this.options.highWater) this.full = true;
    return !this.full;
  }

  /** No more items: iteration ends after the queued ones (with `error`, if given). */
  finish(error?: Error): void {
    if (this.finished) return;
    this.finished = error ? { error } : {};
    if (this.waiting && this.size === 0) {
      const w = this.waiting;
      this.waiting = undefined;
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.full && this.size <= this.options.lowWater) {
        this.full = false;
        this.options.onDrained();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.returned) return Promise.resolve({ value: undefined, done: true });
    if (this.finished) {
      const { error } = this.finished;
      this.finished = {};
      return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiting) return Promise.reject(new Error('next() called again before the previous call resolved'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.returned) {
      this.returned = true;
      this.items = [];
      this.head = 0;
      const w = this.waiting;
      this.waiting = undefined;
      w?.resolve({ value: undefined, done: true });
      this.options.onReturn();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
