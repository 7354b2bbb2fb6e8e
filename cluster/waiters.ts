// Clients waiting for their proposal to be applied, by sequence number, each with a deadline.
import { EtcdError } from '../rpc/etcd-errors.js';

interface Waiter<T> {
  readonly resolve: (v: T) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class Waiters<T> {
  private readonly pending = new Map<number, Waiter<T>>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Registers `id`; the promise rejects with etcd's "request timed out" if nothing answers in time. */
  wait(id: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EtcdError('ETCD_TIMEOUT'));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  resolve(id: number, value: T): void {
    const w = this.take(id);
    w?.resolve(value);
  }

  reject(id: number, error: unknown): void {
    const w = this.take(id);
    w?.reject(error);
  }

  rejectAll(error: unknown): void {
    for (const id of [...this.pending.keys()]) this.reject(id, error);
  }

  private take(id: number): Waiter<T> | undefined {
    const w = this.pending.get(id);
    if (!w) return undefined;
    clearTimeout(w.timer);
    this.pending.delete(id);
    return w;
  }
}
