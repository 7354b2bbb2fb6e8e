// This member's runner key (check-keys.ts): put on a lease the member keeps alive, so that the live
// set the checks are spread over is decided by raft, the same for every member. A member that dies
// or is cut off from the leader stops renewing; the leader revokes the lease after its TTL and the
// others take its checks. Learners hold none: they cannot write, so they run no checks.
import type { Logger } from 'pino';
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import { runnerKey } from './check-keys.js';
import type { ChecksKeysView } from './checks-keys-view.js';

const encoder = new TextEncoder();

/** How long to wait before trying again after a grant or put failed (no leader, a learner). */
const RETRY_MS = 1000;

/** How long closing waits for the runner key's lease to be revoked. */
const CLOSE_REVOKE_MS = 1000;

export interface PresencePort {
  readonly memberId: number;
  readonly kv: KvBackend;
  readonly leases: LeaseBackend;
  readonly logger: Logger;
  /** The lease's TTL in seconds (the lessor raises it to its minimum). */
  readonly ttlSeconds: number;
  /** The key is on a new lease: what this member owns may have changed. */
  readonly onLease: () => void;
}

export class RunnerPresence {
  readonly key: Uint8Array;
  private current: bigint | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private missing = 0;

  constructor(
    private readonly port: PresencePort,
    private readonly keys: ChecksKeysView,
  ) {
    this.key = encoder.encode(runnerKey(port.memberId));
  }

  /** The lease this member's key is on, once put. */
  get lease(): bigint | undefined {
    return this.current;
  }

  start(): void {
    void this.tick();
  }

  /** Gives the member's checks up at once, rather than after the lease's TTL. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const lease = this.current;
    this.current = undefined;
    if (lease === undefined) return;
    // Bounded: a member closing without a quorum (the others gone first) leaves it to expire.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.port.leases.revoke(lease).catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_REVOKE_MS)))]);
    clearTimeout(timer);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    let nextMs = RETRY_MS;
    try {
      const lease = this.current;
      const seen = this.keys.runner(this.port.memberId);
      // Someone deleted the key while its lease lives: seen missing twice, it is put again.
      this.missing = seen === undefined && this.keys.ready ? this.missing + 1 : 0;
      const ours = seen === undefined ? this.missing < 2 : seen.lease === lease;
      const ttl = lease !== undefined && ours ? (await this.port.leases.keepAlive(lease)).ttl : 0;
      nextMs = ((ttl > 0 ? ttl : await this.putKey()) * 1000) / 3;
    } catch (err) {
      this.port.logger.debug({ err }, 'the check runner key was not renewed; trying again');
    }
    this.schedule(nextMs);
  }

  /** A fresh lease and the key on it; returns the TTL. */
  private async putKey(): Promise<number> {
    const old = this.current;
    const granted = await this.port.leases.grant(0n, this.port.ttlSeconds);
    if (this.closed) {
      await this.port.leases.revoke(granted.id).catch(() => undefined);
      return granted.ttl;
    }
    await this.port.kv.write({ type: 'put', request: { key: this.key, value: encoder.encode(JSON.stringify({ since: Date.now() })), lease: granted.id } });
    this.current = granted.id;
    this.missing = 0;
    this.port.onLease();
    if (old !== undefined && old !== granted.id) void this.port.leases.revoke(old).catch(() => undefined);
    this.port.logger.info({ lease: granted.id.toString(16), ttl: granted.ttl }, 'running health checks');
    return granted.ttl;
  }
}
