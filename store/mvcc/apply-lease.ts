// Applies the lease requests, as etcd's lessor does when an entry commits: grant and checkpoint
// change no key and so consume no revision; a revocation deletes the lease's keys in one revision
// (consumed only if there were keys), in key order, together with the lease itself.
import { LeaseExistsError, LeaseNotFoundError } from '../errors.js';
import { deleteLeaseOp, putLeaseOp } from '../lease/lease-records.js';
import type { ApplyContext, Applied } from './apply.js';
import type { KeyRevision } from './tree-index.js';
import type { KeyValue, LeaseCheckpointRequest, LeaseGrantRequest, LeaseRevokeRequest } from './types.js';
import { WriteTxn } from './write-txn.js';

export function grantLease(ctx: ApplyContext, r: LeaseGrantRequest): Applied {
  // etcd's lessor treats the ID 0 ("no lease") as a lease that cannot exist.
  if (r.id === 0n) throw new LeaseNotFoundError();
  if (ctx.leases.has(r.id)) throw new LeaseExistsError();
  // The member raises the TTL to the cluster's minimum before proposing; below 0 it cannot be stored.
  const info = { id: r.id, ttl: Math.max(0, Math.floor(r.ttl)), remainingTtl: 0 };
  ctx.leases.add(info);
  ctx.pending.ops.push(putLeaseOp(ctx.space, info));
  return { response: { type: 'leaseGrant', response: { revision: ctx.revision, id: info.id, ttl: info.ttl } }, events: [], revision: ctx.revision };
}

export async function revokeLease(ctx: ApplyContext, r: LeaseRevokeRequest): Promise<Applied> {
  if (!ctx.leases.has(r.id)) throw new LeaseNotFoundError();
  const txn = new WriteTxn(ctx, ctx.revision);
  // Only live keys stay attached (a delete detaches), so each has a revision at the txn's start.
  const keys = ctx.leases.keysOf(r.id).filter((k) => ctx.index.get(k, txn.rev) !== undefined);
  let prevKvs: readonly KeyValue[] = [];
  if (ctx.eventsWithPrevKv && keys.length > 0) {
    const hits: KeyRevision[] = keys.map((key) => {
      const hit = ctx.index.get(key, txn.rev)!;
      return { key, main: hit.main, sub: hit.sub, created: hit.created, version: hit.version };
    });
    prevKvs = await ctx.fetch(hits);
  }
  txn.deleteKeys(keys, prevKvs);
  ctx.leases.remove(r.id);
  ctx.pending.ops.push(deleteLeaseOp(ctx.space, r.id));
  return { response: { type: 'leaseRevoke', response: { revision: txn.rev } }, events: txn.events, revision: txn.rev };
}

export function checkpointLeases(ctx: ApplyContext, r: LeaseCheckpointRequest): Applied {
  for (const c of r.checkpoints) {
    const info = ctx.leases.checkpoint(c.id, Math.max(0, Math.floor(c.remainingTtl)));
    if (info) ctx.pending.ops.push(putLeaseOp(ctx.space, info));
  }
  return { response: { type: 'leaseCheckpoint', response: { revision: ctx.revision } }, events: [], revision: ctx.revision };
}
