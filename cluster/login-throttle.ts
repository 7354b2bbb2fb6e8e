// Slows down password guessing, per user name (etcd has no such protection). A name's first
// FREE_FAILURES failed logins cost nothing extra; after that each attempt at that name waits until
// DELAY_BASE_MS × 2^(failures − FREE_FAILURES), capped at MAX_DELAY_MS, has passed since its last
// failure — and attempts at one name run one at a time, so guesses sent in parallel queue up
// instead of sharing a wait. A success forgets the name's failures; so does FORGET_AFTER_MS without
// one. Names never seen cost as much as real ones (the store runs a decoy hash), so the delay tells
// an attacker nothing about which users exist. The count is per member: a client spreading guesses
// over N members gets at most N times the rate.
const FREE_FAILURES = 3;
const DELAY_BASE_MS = 250;
const MAX_DELAY_MS = 10_000;
const FORGET_AFTER_MS = 15 * 60 * 1000;
/** Names tracked at once; past it the name with the oldest failure is forgotten. */
const MAX_NAMES = 10_000;

interface Failures {
  count: number;
  last: number;
  /** The tail of this name's queue of attempts. */
  turn: Promise<void>;
}

export interface LoginThrottleOptions {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class LoginThrottle {
  private readonly names = new Map<string, Failures>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: LoginThrottleOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** How long an attempt at `name` would wait now. */
  delayFor(name: string): number {
    const f = this.current(name);
    if (!f || f.count < FREE_FAILURES) return 0;
    const delay = Math.min(MAX_DELAY_MS, DELAY_BASE_MS * 2 ** (f.count - FREE_FAILURES));
    return Math.max(0, f.last + delay - this.now());
  }

  /** Runs one login attempt at `name` in its turn, after its wait; `attempt` says whether it succeeded. */
  async attempt<T>(name: string, attempt: () => Promise<{ ok: boolean; value: T }>): Promise<T> {
    const f = this.current(name) ?? this.track(name);
    const before = f.turn;
    let done!: () => void;
    f.turn = new Promise<void>((r) => (done = r));
    try {
      await before;
      const wait = this.delayFor(name);
      if (wait > 0) await this.sleep(wait);
      const result = await attempt();
      if (result.ok) this.names.delete(name);
      else {
        f.count++;
        f.last = this.now();
        this.names.set(name, f);
      }
      return result.value;
    } finally {
      done();
      if (f.count === 0 && this.names.get(name) === f) this.names.delete(name);
    }
  }

  private current(name: string): Failures | undefined {
    const f = this.names.get(name);
    if (f && f.count > 0 && this.now() - f.last > FORGET_AFTER_MS) {
      f.count = 0;
    }
    return f;
  }

  private track(name: string): Failures {
    if (this.names.size >= MAX_NAMES) {
      let oldest: string | undefined;
      let at = Infinity;
      for (const [n, f] of this.names) if (f.last < at) [oldest, at] = [n, f.last];
      if (oldest !== undefined) this.names.delete(oldest);
    }
    const f: Failures = { count: 0, last: 0, turn: Promise.resolve() };
    this.names.set(name, f);
    return f;
  }
}
