// Linearizable reads, batched: every read that arrives while a ReadIndex round is in flight joins
// the next round, so a thousand concurrent reads cost one heartbeat round, not a thousand. A round
// ends when raft answers with the read index; its readers then wait for the member to apply up to
// it and read locally.
import type { CallSignal } from '../rpc/call-options.js';
import { EtcdError } from '../rpc/etcd-errors.js';

interface Reader {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
  readonly since: number;
  /** Its client went away: it is dropped from the next round. */
  readonly signal?: CallSignal;
}

interface Round {
  readonly readers: Reader[];
  readonly sentAt: number;
}

export interface ReadIndexPort {
  /** Asks raft for a read index; throws when no leader is known. */
  readIndex(context: string): void;
  /** Resolves once the member has applied up to `index`. */
  waitApplied(index: number): Promise<void>;
  now(): number;
}

export class LinearizableReads {
  private waiting: Reader[] = [];
  private inflight: { context: string; round: Round } | null = null;
  private counter = 0;

  constructor(
    private readonly port: ReadIndexPort,
    private readonly contextPrefix: string,
    /** A round not answered within this long is sent again (its leader may be gone). */
    private readonly retryMs: number,
    /** A read not served within this long fails. */
    private readonly timeoutMs: number,
  ) {}

  /** Resolves when a read issued now may be served from local state; rejects when `signal` aborts first. */
  read(signal?: CallSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.waiting.push({ resolve, reject, since: this.port.now(), ...(signal ? { signal } : {}) });
    });
  }

  get pending(): number {
    return this.waiting.length + (this.inflight?.round.readers.length ?? 0);
  }

  /** Starts a round for the waiting readers if none is in flight. Call after inputs and on ticks. */
  flush(): void {
    if (this.inflight) return;
    // Readers whose clients left need no round.
    if (this.waiting.some((r) => r.signal?.aborted)) this.waiting = this.waiting.filter((r) => !r.signal?.aborted);
    if (this.waiting.length === 0) return;
    const context = `${this.contextPrefix}-${++this.counter}`;
    try {
      this.port.readIndex(context);
    } catch {
      return; // no leader yet: the readers wait for one (tick() fails them if it takes too long)
    }
    this.inflight = { context, round: { readers: this.waiting, sentAt: this.port.now() } };
    this.waiting = [];
  }

  /** Raft confirmed a read index for `context`. */
  onReadState(context: string, index: number): void {
    if (!this.inflight || this.inflight.context !== context) return;
    const { readers } = this.inflight.round;
    this.inflight = null;
    this.port.waitApplied(index).then(
      () => {
        for (const r of readers) r.resolve();
      },
      (e: unknown) => {
        for (const r of readers) r.reject(e);
      },
    );
    this.flush();
  }

  /** Retries a lost round and fails reads that waited too long. */
  tick(): void {
    const now = this.port.now();
    if (this.inflight && now - this.inflight.round.sentAt >= this.retryMs) {
      // The answer never came (leader changed or the message was lost): ask again.
      const readers = this.inflight.round.readers;
      this.inflight = null;
      this.waiting = readers.concat(this.waiting);
    }
    const expired = this.waiting.filter((r) => now - r.since >= this.timeoutMs);
    if (expired.length > 0) {
      this.waiting = this.waiting.filter((r) => now - r.since < this.timeoutMs);
      for (const r of expired) r.reject(new EtcdError('ETCD_TIMEOUT'));
    }
    this.flush();
  }

  failAll(error: unknown): void {
    const all = this.waiting.concat(this.inflight?.round.readers ?? []);
    this.waiting = [];
    this.inflight = null;
    for (const r of all) r.reject(error);
  }
}
