// The leases of the replicated state, in memory: each lease with its TTLs and attached keys, and
// each attached key's lease (etcd's lessor leaseMap and itemMap, without the timing, which the
// member runs). Loaded at open from the lease records; changed only by applied entries.
import type { LeaseInfo } from '../mvcc/types.js';

interface Lease {
  readonly id: bigint;
  readonly ttl: number;
  remainingTtl: number;
  /** Attached keys, as binary strings (see key-bytes.ts). */
  readonly keys: Set<string>;
}

export class LeaseTable {
  private readonly byId = new Map<bigint, Lease>();
  private readonly byKey = new Map<string, bigint>();

  get size(): number {
    return this.byId.size;
  }

  has(id: bigint): boolean {
    return this.byId.has(id);
  }

  get(id: bigint): LeaseInfo | undefined {
    const l = this.byId.get(id);
    return l && { id: l.id, ttl: l.ttl, remainingTtl: l.remainingTtl };
  }

  /** Every lease, in ID order (so that every member lists them alike). */
  list(): LeaseInfo[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((l) => ({ id: l.id, ttl: l.ttl, remainingTtl: l.remainingTtl }));
  }

  add(info: LeaseInfo): void {
    this.byId.set(info.id, { id: info.id, ttl: info.ttl, remainingTtl: info.remainingTtl, keys: new Set() });
  }

  /** Removes the lease and its attachments; returns its keys in key order, as revocation deletes them. */
  remove(id: bigint): string[] {
    const l = this.byId.get(id);
    if (l === undefined) return [];
    this.byId.delete(id);
    for (const k of l.keys) this.byKey.delete(k);
    return [...l.keys].sort();
  }

  /** Records a checkpoint; returns the lease as changed, or undefined if there is no such lease. */
  checkpoint(id: bigint, remainingTtl: number): LeaseInfo | undefined {
    const l = this.byId.get(id);
    if (l === undefined) return undefined;
    l.remainingTtl = remainingTtl;
    return { id: l.id, ttl: l.ttl, remainingTtl };
  }

  /** The lease a key is attached to, 0n if none. */
  leaseOf(key: string): bigint {
    return this.byKey.get(key) ?? 0n;
  }

  /** Keys attached to the lease, in key order. */
  keysOf(id: bigint): string[] {
    const l = this.byId.get(id);
    return l ? [...l.keys].sort() : [];
  }

  /** Attaches a key (detach it from any other lease first). False if the lease does not exist. */
  attach(key: string, id: bigint): boolean {
    const l = this.byId.get(id);
    if (l === undefined) return false;
    l.keys.add(key);
    this.byKey.set(key, id);
    return true;
  }

  /** Detaches a key from its lease; returns that lease, 0n if it had none. */
  detach(key: string): bigint {
    const id = this.byKey.get(key);
    if (id === undefined) return 0n;
    this.byKey.delete(key);
    this.byId.get(id)?.keys.delete(key);
    return id;
  }
}
