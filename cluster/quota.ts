// etcd's backend quota (--quota-backend-bytes): what a write costs, whether it still fits, and
// which writes the NOSPACE alarm refuses. The costs are etcd's estimates, so that the same writes
// reach the same quota on both; what "backend size" means for Lodestone is in backend-size.ts.
import type { PutRequest, RequestOp, TxnRequest, WriteRequest } from '../store/mvcc/types.js';

/** etcd's default quota: 2 GiB. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/** Past this etcd warns that the quota "exceeds the maximum value". */
export const MAX_SUGGESTED_QUOTA_BYTES = 8 * 1024 * 1024 * 1024;

/** etcd's estimates of what storing a key's metadata and a lease costs. */
const KV_OVERHEAD = 256;
const LEASE_OVERHEAD = 64;

/** The quota a --quota-backend-bytes value means: 0 is the default, a negative one none at all. */
export function effectiveQuota(flag: number): number {
  if (flag < 0) return Infinity;
  return flag === 0 ? DEFAULT_QUOTA_BYTES : flag;
}

/** What a write would add to the backend, as etcd charges it; undefined for writes the quota does not check. */
export function quotaCost(req: WriteRequest): number | undefined {
  switch (req.type) {
    case 'put':
      return putCost(req.request);
    case 'txn':
      return txnCost(req.request);
    case 'leaseGrant':
      return LEASE_OVERHEAD;
    default:
      return undefined;
  }
}

/** Whether a write of `cost` bytes still fits (etcd's Available: strictly below the quota). */
export function fitsQuota(backendBytes: number, cost: number, quota: number): boolean {
  return backendBytes + cost < quota;
}

/**
 * Whether the NOSPACE alarm refuses a write when it is applied (etcd's capped applier): puts, lease
 * grants, and txns with a put in either branch. Deletes, compactions, revokes and the rest go on, so
 * that space can be freed.
 */
export function refusedWhileNoSpace(req: WriteRequest): boolean {
  if (req.type === 'put' || req.type === 'leaseGrant') return true;
  return req.type === 'txn' && txnCost(req.request) > 0;
}

function putCost(p: PutRequest): number {
  return KV_OVERHEAD + p.key.length + (p.value?.length ?? 0);
}

/** The costlier branch; as in etcd, only a branch's own puts count (not those of nested txns). */
function txnCost(t: TxnRequest): number {
  return Math.max(branchCost(t.success), branchCost(t.failure));
}

function branchCost(ops: readonly RequestOp[] | undefined): number {
  let sum = 0;
  for (const op of ops ?? []) if (op.type === 'put') sum += putCost(op.request);
  return sum;
}
