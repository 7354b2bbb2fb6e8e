// The instance's applied/<instance> key, on a lease this process keeps: written when a release is
// applied or rejected, written again under a new lease if the lease expired while the process lived
// on (keepOnLease), and gone when the subscription closes (the lease is revoked) or the process dies.
// Writes go one at a time, so the key always ends with the last answer; one the cluster cannot take
// now (it is unreachable) is tried again until it can, so a process that started from its cache
// is recorded once the cluster answers.
import { isEtcdError } from '../../rpc/etcd-errors.js';
import type { AppliedRecord } from '../../configcenter/layout.js';
import type { KvClient } from '../kv-client.js';
import { isClientError } from '../errors.js';
import { keepOnLease, type LeasedKeys } from '../leased-keys.js';
import { backoffDelay } from '../retry.js';

/** Seconds the record outlives a process that stopped renewing its lease. */
export const APPLIED_TTL = 10;

export class AppliedReporter {
  private keys: LeasedKeys | undefined;
  private latest: AppliedRecord | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: KvClient,
    private readonly key: string,
  ) {}

  /** Writes the record; resolves once it is stored. */
  put(record: AppliedRecord): Promise<void> {
    this.latest = record;
    const write = this.chain.then(() => this.write());
    this.chain = write.catch(() => undefined);
    return write;
  }

  private async write(): Promise<void> {
    for (let n = 0; !this.closed; n++) {
      try {
        return await this.writeOnce();
      } catch (e) {
        if (this.closed || isClientError(e, 'LODESTONE_CLIENT_CLOSED')) throw e;
        await new Promise((r) => setTimeout(r, backoffDelay(n, { initialMs: 200, maxMs: 5000 })));
      }
    }
  }

  private async writeOnce(): Promise<void> {
    const value = (): string => JSON.stringify(this.latest);
    if (!this.keys) {
      const keys = await keepOnLease(this.client, APPLIED_TTL, async (lease) => {
        await this.client.put(this.key, value(), { lease, idempotent: true });
      });
      if (this.closed) await keys.close(true).catch(() => undefined);
      else this.keys = keys;
      return;
    }
    try {
      await this.client.put(this.key, value(), { lease: this.keys.lease, idempotent: true });
    } catch (e) {
      // The lease just expired: keepOnLease writes the latest record again under a new one.
      if (!isEtcdError(e, 'ETCD_LEASE_NOT_FOUND')) throw e;
    }
  }

  /** Stops keeping the record; `remove` revokes the lease so it goes at once. */
  async close(remove: boolean): Promise<void> {
    this.closed = true;
    await this.keys?.close(remove).catch(() => undefined);
  }
}
