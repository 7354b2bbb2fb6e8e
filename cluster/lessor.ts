// When leases expire: the leader's clock, and nothing else. Followers keep no expiry; a member that
// becomes leader starts the clock of every lease from its last checkpointed remaining TTL (or its
// full TTL), extended by an election timeout so a leader change never expires a lease early.
//
// Checkpoints: a lease nobody renewed for three quarters of its TTL (etcd's clients renew every third
// of it, a TTL check's instance every half, so its holder may be gone) has its remaining TTL
// recorded through raft, then again every checkpoint
// interval, so a new leader continues its countdown instead of restarting it at the full TTL. Leases
// that are kept alive need no checkpoint — a new leader giving them a full TTL loses nothing — so
// keepalive traffic causes no raft traffic.
//
// Bound: a lease whose holder stops renewing expires when its TTL has run out; if the leader fails
// meanwhile, at most max(3/4 TTL, checkpoint interval) + one election timeout later, plus the time to
// elect a new leader. It never expires early.

/**
 * The share of its TTL a lease goes unrenewed before it is checkpointed. Not a half: a holder that
 * renews at half its TTL (a TTL check's instance) would find its lease checkpointed at nearly every
 * renewal, and each such renewal then clears the checkpoint through raft.
 */
const IDLE_SHARE = 0.75;

export interface LeaseRecord {
  readonly id: bigint;
  /** Granted TTL, seconds. */
  readonly ttl: number;
  /** Checkpointed remaining TTL, seconds; 0 = none (count from the full TTL). */
  readonly remainingTtl: number;
}

export interface LeaseCheckpoint {
  readonly id: bigint;
  readonly remainingTtl: number;
}

interface Clock {
  readonly expiresAt: number;
  readonly ttlMs: number;
  /** Last time the lease was granted or renewed on this leader. */
  lastRenewed: number;
  /** Last time its remaining TTL was checkpointed (0 = never). */
  lastCheckpoint: number;
}

export interface LessorOptions {
  readonly checkpointIntervalMs: number;
  /** A new leader adds this to every lease's remaining time (etcd: the election timeout). */
  readonly promoteExtensionMs: number;
}

export class Lessor {
  private readonly clocks = new Map<bigint, Clock>();
  private primary = false;

  constructor(private readonly options: LessorOptions) {}

  get isPrimary(): boolean {
    return this.primary;
  }

  /** This member became leader: start every lease's clock. */
  promote(leases: readonly LeaseRecord[], now: number): void {
    this.primary = true;
    this.clocks.clear();
    for (const l of leases) {
      const remaining = l.remainingTtl > 0 ? l.remainingTtl : l.ttl;
      this.clocks.set(l.id, {
        expiresAt: now + remaining * 1000 + this.options.promoteExtensionMs,
        ttlMs: l.ttl * 1000,
        lastRenewed: now,
        lastCheckpoint: 0,
      });
    }
  }

  /** This member stopped leading: only a leader keeps time. */
  demote(): void {
    this.primary = false;
    this.clocks.clear();
  }

  /** A grant was applied. */
  granted(id: bigint, ttl: number, now: number): void {
    if (!this.primary) return;
    this.clocks.set(id, { expiresAt: now + ttl * 1000, ttlMs: ttl * 1000, lastRenewed: now, lastCheckpoint: 0 });
  }

  /** A revoke was applied (or the lease is otherwise gone). */
  revoked(id: bigint): void {
    this.clocks.delete(id);
  }

  /** Renews a lease on the leader; returns false if it does not know the lease. */
  renew(id: bigint, now: number): boolean {
    const c = this.clocks.get(id);
    if (!this.primary || !c || c.expiresAt <= now) return false;
    this.clocks.set(id, { ...c, expiresAt: now + c.ttlMs, lastRenewed: now, lastCheckpoint: 0 });
    return true;
  }

  /**
   * Whole seconds left, as etcd reports them (its remaining time truncated); undefined when unknown
   * here. etcd's clock has nanoseconds, so even at once after a grant or renewal less than the full
   * TTL is left and it answers TTL - 1: on this millisecond clock, one less than the seconds rounded up.
   */
  remainingSeconds(id: bigint, now: number): number | undefined {
    const c = this.clocks.get(id);
    if (!this.primary || !c) return undefined;
    return Math.max(0, Math.ceil((c.expiresAt - now) / 1000) - 1);
  }

  /**
   * Whether the lease ran out by this leader's clock and waits for its revoke: it cannot be renewed
   * any more (etcd's lessor makes such a renewal wait for the revoke, then answers "not found").
   */
  isExpired(id: bigint, now: number): boolean {
    const c = this.clocks.get(id);
    return this.primary && c !== undefined && c.expiresAt <= now;
  }

  /** When the lease expires by this leader's clock; undefined on a follower or for an unknown lease. */
  expiresAt(id: bigint): number | undefined {
    return this.primary ? this.clocks.get(id)?.expiresAt : undefined;
  }

  /** Leases whose time ran out: the leader proposes their revocation. */
  expired(now: number, max: number): bigint[] {
    const out: bigint[] = [];
    if (!this.primary) return out;
    for (const [id, c] of this.clocks) {
      if (c.expiresAt <= now) out.push(id);
      if (out.length >= max) break;
    }
    return out;
  }

  /**
   * Remaining TTLs to record: leases not renewed for IDLE_SHARE of their TTL (and at least an interval), and
   * not checkpointed within an interval.
   */
  dueCheckpoints(now: number, max: number): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = [];
    if (!this.primary) return out;
    const interval = this.options.checkpointIntervalMs;
    for (const [id, c] of this.clocks) {
      const idleFor = Math.max(interval, c.ttlMs * IDLE_SHARE);
      if (now - c.lastRenewed < idleFor || now - c.lastCheckpoint < interval) continue;
      const remaining = Math.ceil((c.expiresAt - now) / 1000);
      if (remaining <= 0) continue;
      out.push({ id, remainingTtl: remaining });
      c.lastCheckpoint = now;
      if (out.length >= max) break;
    }
    return out;
  }
}
