// A ZooKeeper session is a lease: its id is the session id (and every ephemeral znode's owner), its
// TTL the negotiated timeout. ZooKeeper expires a session once the timeout passes without a packet
// from its client; here each packet renews the lease, at most once per RENEW_EVERY, so a busy
// session costs one keepalive a period, not one a request.
import type { LeaseBackend } from '../../rpc/lease-backend.js';

/** ZooKeeper's defaults: tickTime 2 s; a session's timeout between 2 and 20 ticks. */
export const TICK_MS = 2000;
export const MIN_SESSION_TIMEOUT_MS = 2 * TICK_MS;
export const MAX_SESSION_TIMEOUT_MS = 20 * TICK_MS;

/** The timeout a client asked for, brought within the server's bounds, as ZooKeeper negotiates it. */
export function negotiateTimeout(requestedMs: number): number {
  return Math.min(MAX_SESSION_TIMEOUT_MS, Math.max(MIN_SESSION_TIMEOUT_MS, requestedMs));
}

/** The lease's TTL for a timeout: whole seconds, rounded up. */
export function leaseTtlSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

export class SessionLease {
  private lastRenewAt = Date.now();
  private renewing: Promise<void> | undefined;
  private readonly renewEveryMs: number;

  constructor(
    private readonly leases: LeaseBackend,
    readonly id: bigint,
    readonly timeoutMs: number,
    /** Told once when a renewal finds the lease gone: the session expired. */
    private readonly onExpired: () => void,
  ) {
    this.renewEveryMs = Math.min(1000, Math.floor(timeoutMs / 4));
  }

  /** A packet came from the client. */
  touch(): void {
    if (this.renewing !== undefined || Date.now() - this.lastRenewAt < this.renewEveryMs) return;
    this.lastRenewAt = Date.now();
    this.renewing = this.leases
      .keepAlive(this.id)
      .then(
        (r) => {
          if (r.ttl <= 0) this.onExpired();
        },
        // No leader just now, say: the next packet tries again; the lease outlives a short gap.
        () => {
          this.lastRenewAt = 0;
        },
      )
      .finally(() => {
        this.renewing = undefined;
      });
  }

  /** The client closed its session: its ephemeral znodes go now. */
  async close(): Promise<void> {
    await this.leases.revoke(this.id).catch(() => undefined);
  }
}
