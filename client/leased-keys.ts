// Keys a process keeps on a lease it renews (an ephemeral instance, a consumer record): they go
// when the process dies and stops renewing. If the lease expires while the process lives on (it was
// cut off for longer than the TTL), the keys are written again under a new lease.
import { isClientError } from './errors.js';
import type { KvClient, Lease } from './kv-client.js';
import { backoffDelay } from './retry.js';

export interface LeasedKeys {
  /** The lease the keys are on now (a new one after an expiry). */
  readonly lease: Lease;
  /** Stops keeping the keys; with `remove`, revokes the lease so they go at once. */
  close(remove: boolean): Promise<void>;
}

/**
 * Grants a lease of `ttl` seconds and runs `write` with it; again with a new one after an expiry.
 * A write may therefore run more than once: it must be safe to repeat.
 */
export async function keepOnLease(client: KvClient, ttl: number, write: (lease: Lease) => Promise<void>, onNewLease?: (lease: Lease) => void): Promise<LeasedKeys> {
  let closed = false;
  const attach = async (): Promise<Lease> => {
    const lease = await client.grant(ttl);
    try {
      await write(lease);
    } catch (e) {
      await lease.revoke().catch(() => lease.release());
      throw e;
    }
    return lease;
  };
  let lease = await attach();
  const keep = (l: Lease): void => {
    void l.ended.then(async (why) => {
      if (why !== 'expired' || closed) return;
      for (let n = 0; !closed; n++) {
        try {
          lease = await attach();
          if (closed) await lease.revoke().catch(() => undefined);
          else {
            keep(lease);
            onNewLease?.(lease);
          }
          return;
        } catch (e) {
          if (isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
          await new Promise((r) => setTimeout(r, backoffDelay(n, { initialMs: 100, maxMs: 2000 })));
        }
      }
    });
  };
  keep(lease);
  return {
    get lease() {
      return lease;
    },
    async close(remove: boolean) {
      if (closed) return;
      closed = true;
      if (remove) await lease.revoke();
      else lease.release();
    },
  };
}
