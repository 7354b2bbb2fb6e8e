// A follower's lease renewals, passed on to the leader many at a time. Each forwarded call costs the
// same on both members whether it carries one renewal or hundreds, so renewals that arrive while
// calls are out wait and then go together in the next one (etcd's followers send one HTTP request
// per renewal). The first renewal after a quiet spell goes at once.

/** One renewal's outcome from the leader: its TTL (0 for no such lease), or what it failed with. */
export type RenewalOutcome = { readonly ttl: number } | { readonly error: Error };

/**
 * Passes the renewals of `ids` on to the leader within `timeoutMs`: one outcome per id, in order;
 * rejects when the leader did not answer the call (each waiter then decides whether to ask again).
 */
export type SendRenewals = (ids: readonly bigint[], timeoutMs: number) => Promise<readonly RenewalOutcome[]>;

interface Waiter {
  readonly id: bigint;
  readonly deadline: number;
  resolve(ttl: number): void;
  reject(error: unknown): void;
}

export interface RenewalBatcherOptions {
  /** Calls out at once: one being answered while the next fills. */
  readonly maxInFlight?: number;
  /** Renewals per call, so one call's message stays small. */
  readonly maxBatch?: number;
  /** A monotonic clock, in milliseconds. */
  readonly now: () => number;
}

export class RenewalBatcher {
  private queue: Waiter[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    private readonly send: SendRenewals,
    private readonly options: RenewalBatcherOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 1024;
  }

  /** The lease's TTL as the leader renewed it; rejects as the call or the renewal failed. */
  renew(id: bigint, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ id, deadline: this.options.now() + timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** Renewals waiting for a call. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch);
      this.inFlight++;
      void this.sendBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async sendBatch(batch: readonly Waiter[]): Promise<void> {
    // The call may take as long as its least patient waiter allows.
    let deadline = Infinity;
    for (const w of batch) if (w.deadline < deadline) deadline = w.deadline;
    let outcomes: readonly RenewalOutcome[];
    try {
      outcomes = await this.send(
        batch.map((w) => w.id),
        Math.max(1, deadline - this.options.now()),
      );
      if (outcomes.length !== batch.length) throw new Error(`the leader answered ${batch.length} lease renewals with ${outcomes.length} results`);
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if ('ttl' in outcome) w.resolve(outcome.ttl);
      else w.reject(outcome.error);
    });
  }
}
