// TTL checks without a raft write per report: each reported-on check has a key on a lease with the
// check's TTL (check-keys.ts). A report renews the lease from whichever member it reaches (a
// keepalive goes to the leader, it is not a raft entry); when reports stop, the leader revokes the
// lease, the key goes with it, and the check's owner, watching, records "TTL expired". A lease's TTL
// is whole seconds, at least the lessor's minimum, so a TTL is rounded up to that.
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import { ttlKey } from './check-keys.js';
import type { ChecksKeysView } from './checks-keys-view.js';

const encoder = new TextEncoder();

export class TtlClock {
  /**
   * Clocks being started from here, by check: a report and the check's owner (or many reports
   * while the first one's grant is under way) share one lease grant instead of racing with their
   * own, each loser costing a grant and a revoke through raft.
   */
  private readonly arming = new Map<string, Promise<void>>();

  constructor(
    private readonly kv: KvBackend,
    private readonly leases: LeaseBackend,
    private readonly keys: ChecksKeysView,
  ) {}

  /** A report came in: the check's clock starts over (started if it had run out or never ran). */
  async renew(checkId: string, ttlMs: number): Promise<void> {
    const lease = this.keys.ttlLease(checkId);
    if (lease !== undefined && (await this.leases.keepAlive(lease)).ttl > 0) return;
    await this.arm(checkId, ttlMs);
  }

  /** Starts the check's clock unless one runs: a lease and the key on it, put only if absent. */
  arm(checkId: string, ttlMs: number): Promise<void> {
    const running = this.arming.get(checkId);
    if (running) return running;
    const started = this.armOnce(checkId, ttlMs).finally(() => this.arming.delete(checkId));
    this.arming.set(checkId, started);
    return started;
  }

  private async armOnce(checkId: string, ttlMs: number): Promise<void> {
    const key = encoder.encode(ttlKey(checkId));
    const granted = await this.leases.grant(0n, Math.max(1, Math.ceil(ttlMs / 1000)));
    const res = await this.kv.write({
      type: 'txn',
      request: {
        compare: [{ target: 'create', createRevision: 0, result: 'equal', key }],
        success: [{ type: 'put', request: { key, value: encoder.encode(checkId), lease: granted.id } }],
        failure: [{ type: 'range', request: { key } }],
      },
    });
    if (res.response.succeeded) return;
    // Another member armed it first (or this one's view was behind): renew theirs, drop ours.
    await this.leases.revoke(granted.id).catch(() => undefined);
    const found = res.response.responses[0];
    const theirs = found?.type === 'range' ? found.response.kvs[0]?.lease : undefined;
    if (theirs !== undefined) await this.leases.keepAlive(theirs);
  }

  /** Holds a write to "the clock ran out": no clock was started since. */
  stillExpired(checkId: string): { readonly target: 'create'; readonly createRevision: 0; readonly result: 'equal'; readonly key: Uint8Array } {
    return { target: 'create', createRevision: 0, result: 'equal', key: encoder.encode(ttlKey(checkId)) };
  }
}
