// A lease kept alive for its holder: renewed every third of its TTL (as etcd's clients do), sooner
// again after a failed renewal. It ends when revoked or released, when its client closes, or when a
// member answers that it no longer exists (it expired: its holder could not renew it in time).
import { isEtcdError } from '../rpc/etcd-errors.js';
import type { Lease } from './kv-client.js';
import type { LeaseEnd } from './types.js';

export interface LeaseKeeperPort {
  /** One renewal: the TTL, 0 when the lease is gone. */
  keepAlive(id: bigint): Promise<number>;
  /** Seconds left, -1 when the lease does not exist. */
  timeToLive(id: bigint): Promise<number>;
  revoke(id: bigint): Promise<void>;
  /** The lease ended (the client forgets it). */
  ended(lease: KeptLease): void;
}

/** After a failed renewal, the next one comes this soon (or at the usual time, if sooner). */
const RETRY_MS = 500;

export class KeptLease implements Lease {
  readonly ended: Promise<LeaseEnd>;
  private end!: (reason: LeaseEnd) => void;
  private timer: NodeJS.Timeout | undefined;
  private over = false;
  private granted: number;

  constructor(
    readonly id: bigint,
    ttl: number,
    private readonly port: LeaseKeeperPort,
    private readonly keeping: boolean,
  ) {
    this.granted = ttl;
    this.ended = new Promise<LeaseEnd>((resolve) => {
      this.end = resolve;
    });
    if (keeping) this.schedule(this.interval());
  }

  get ttl(): number {
    return this.granted;
  }

  async revoke(): Promise<void> {
    const kept = this.keeping && !this.over;
    this.stop();
    try {
      await this.port.revoke(this.id);
    } catch (e) {
      if (isEtcdError(e, 'ETCD_LEASE_NOT_FOUND')) this.finish('expired');
      else if (kept) this.schedule(0);
      throw e;
    }
    this.finish('revoked');
  }

  release(): void {
    this.finish('released');
  }

  /** Its client closed. */
  close(): void {
    this.finish('closed');
  }

  private interval(): number {
    return Math.max(200, (this.granted * 1000) / 3);
  }

  private schedule(ms: number): void {
    if (this.over) return;
    this.stop();
    this.timer = setTimeout(() => void this.renew(), ms);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    this.timer = undefined;
    if (this.over) return;
    let ttl: number;
    try {
      ttl = await this.port.keepAlive(this.id);
    } catch {
      // Another member is tried next time; the lease lives on until a member says it is gone.
      this.schedule(Math.min(RETRY_MS, this.interval()));
      return;
    }
    if (this.over) return;
    if (ttl <= 0) {
      // "Gone" ends the lease for good, so it is confirmed first: a wrong 0 (a follower that
      // lost the leader it forwarded the renewal to, say) must not drop a lease that lives on.
      let left: number;
      try {
        left = await this.port.timeToLive(this.id);
      } catch {
        this.schedule(Math.min(RETRY_MS, this.interval()));
        return;
      }
      if (this.over) return;
      if (left < 0) {
        this.finish('expired');
        return;
      }
      this.schedule(Math.min(RETRY_MS, this.interval()));
      return;
    }
    this.granted = ttl;
    this.schedule(this.interval());
  }

  private finish(reason: LeaseEnd): void {
    if (this.over) return;
    this.over = true;
    this.stop();
    this.port.ended(this);
    this.end(reason);
  }
}
