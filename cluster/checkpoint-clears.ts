// The leader's renewals of checkpointed leases, which must clear the checkpoint through raft before
// they answer (a new leader would otherwise count down from it). A holder that renews at about half
// its TTL — a TTL check's instance does — finds its lease checkpointed at nearly every renewal, so
// at scale these clears are a raft proposal per renewal. Clears asked for together go in one
// proposal instead: those that arrive while one is out wait for it, then go together in the next.

export interface CheckpointClear {
  readonly id: bigint;
  readonly remainingTtl: 0;
}

/** Proposes the clears (one leaseCheckpoint write); resolves once it is applied. */
export type ProposeClears = (clears: readonly CheckpointClear[]) => Promise<void>;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class CheckpointClears {
  /** Leases waiting for the next proposal, each with everyone waiting on its clear. */
  private waiting = new Map<bigint, Waiter[]>();
  private inFlight = false;
  private scheduled = false;

  constructor(
    private readonly propose: ProposeClears,
    /** Clears per proposal, so one entry stays small. */
    private readonly maxPerProposal: number,
  ) {}

  /** Resolves once a proposal clearing the lease's checkpoint is applied. */
  clear(id: bigint): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let waiters = this.waiting.get(id);
      if (!waiters) this.waiting.set(id, (waiters = []));
      waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    // After the current burst of renewals (a forwarded batch arrives as one), not before it.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight || this.waiting.size === 0) return;
    const batch = new Map<bigint, Waiter[]>();
    for (const [id, waiters] of this.waiting) {
      if (batch.size >= this.maxPerProposal) break;
      batch.set(id, waiters);
    }
    for (const id of batch.keys()) this.waiting.delete(id);
    this.inFlight = true;
    this.propose([...batch.keys()].map((id) => ({ id, remainingTtl: 0 }))).then(
      () => {
        for (const waiters of batch.values()) for (const w of waiters) w.resolve();
      },
      (e: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
      },
    ).finally(() => {
      this.inFlight = false;
      if (this.waiting.size > 0) this.schedule();
    });
  }
}
