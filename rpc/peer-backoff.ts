// Exponential back-off between reconnection attempts: the first wait is `initialMs`, each failure
// doubles it up to `maxMs`, and a stream the peer accepted starts the sequence over.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 2000 };

export class Backoff {
  private nextMs: number;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {
    this.nextMs = options.initialMs;
  }

  /** The wait before the next attempt; the one after it is twice as long, up to the cap. */
  next(): number {
    const wait = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.options.maxMs);
    return wait;
  }

  reset(): void {
    this.nextMs = this.options.initialMs;
  }
}
