// etcd's "simple" tokens: 16 random letters chosen by the member that takes the login, then "." and
// the raft index of the login's entry. Every member learns each token when it applies the login, so
// any member accepts it; a token lives in memory only (a restarted member forgets its tokens and
// clients log in again), and expires after --auth-token-ttl without use (each use renews it).
import { randomInt } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const PREFIX_LENGTH = 16;
/** How often expired tokens are swept (etcd's resolution). */
const SWEEP_MS = 1000;

/** What a token stands for, or why it stands for nothing yet. */
export type SimpleTokenLookup =
  | { readonly found: true; readonly username: string }
  /** Well formed, from a login at an index this member has not applied yet: worth waiting for. */
  | { readonly found: false; readonly waitForIndex: number }
  | { readonly found: false; readonly waitForIndex?: undefined };

interface Entry {
  readonly username: string;
  expiresAt: number;
}

export class SimpleTokens {
  private readonly tokens = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  static prefix(): string {
    let s = '';
    for (let i = 0; i < PREFIX_LENGTH; i++) s += LETTERS[randomInt(LETTERS.length)];
    return s;
  }

  static token(prefix: string, index: number): string {
    return `${prefix}.${index}`;
  }

  /** A login was applied here. */
  add(prefix: string, index: number, username: string): void {
    this.tokens.set(SimpleTokens.token(prefix, index), { username, expiresAt: this.now() + this.ttlMs });
  }

  lookup(token: string, appliedIndex: number): SimpleTokenLookup {
    const entry = this.tokens.get(token);
    if (entry && entry.expiresAt > this.now()) {
      entry.expiresAt = this.now() + this.ttlMs;
      return { found: true, username: entry.username };
    }
    const dot = token.indexOf('.');
    const index = dot > 0 && token.indexOf('.', dot + 1) < 0 ? Number(token.slice(dot + 1)) : NaN;
    if (Number.isSafeInteger(index) && index > appliedIndex) return { found: false, waitForIndex: index };
    return { found: false };
  }

  /** Forgets the tokens of the users `drop` names (deleted, or their password changed). */
  dropUsers(drop: (username: string) => boolean): void {
    for (const [token, e] of this.tokens) if (drop(e.username)) this.tokens.delete(token);
  }

  clear(): void {
    this.tokens.clear();
  }

  get size(): number {
    return this.tokens.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.tokens.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, e] of this.tokens) if (e.expiresAt <= now) this.tokens.delete(token);
  }
}
