// Which permissions a KV request needs, as etcd's auth applier asks for them: a put needs write on its
// key (and read with prev_kv), and write on every key already attached to the lease it names — a
// user who could not revoke the lease must not tie a key to it; a delete needs write on its range
// (and read with prev_kv); a txn needs read on every compared key or range and what each operation
// of both branches needs, whichever branch runs; a lease revoke needs write on every attached key.
import type { AuthInfo, AuthState } from './auth-state.js';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest, WriteRequest } from '../mvcc/types.js';

/** The keys attached to a lease, as the apply sees them at this entry. */
export type LeaseKeys = (lease: bigint) => readonly Uint8Array[];

function checkLeaseKeys(state: AuthState, who: AuthInfo, lease: bigint | undefined, leaseKeys: LeaseKeys): void {
  if (!lease) return;
  for (const key of leaseKeys(lease)) state.checkKeys(who, 'write', key);
}

function checkPut(state: AuthState, who: AuthInfo, p: PutRequest, leaseKeys: LeaseKeys | undefined): void {
  state.checkKeys(who, 'write', p.key);
  if (leaseKeys) checkLeaseKeys(state, who, p.lease, leaseKeys);
  if (p.prevKv) state.checkKeys(who, 'read', p.key);
}

function checkDelete(state: AuthState, who: AuthInfo, d: DeleteRangeRequest): void {
  state.checkKeys(who, 'write', d.key, d.rangeEnd);
  if (d.prevKv) state.checkKeys(who, 'read', d.key, d.rangeEnd);
}

export function checkRange(state: AuthState, who: AuthInfo, r: RangeRequest): void {
  state.checkKeys(who, 'read', r.key, r.rangeEnd);
}

function checkOps(state: AuthState, who: AuthInfo, ops: readonly RequestOp[] | undefined): void {
  for (const op of ops ?? []) {
    switch (op.type) {
      case 'range':
        checkRange(state, who, op.request);
        break;
      case 'put':
        // etcd checks a txn's puts for their keys only, not for their lease.
        checkPut(state, who, op.request, undefined);
        break;
      case 'deleteRange':
        checkDelete(state, who, op.request);
        break;
      case 'txn':
        checkTxn(state, who, op.request);
        break;
    }
  }
}

export function checkTxn(state: AuthState, who: AuthInfo, t: TxnRequest): void {
  for (const c of t.compare ?? []) state.checkKeys(who, 'read', c.key, c.rangeEnd);
  checkOps(state, who, t.success);
  checkOps(state, who, t.failure);
}

/** Throws etcd's AuthError unless `who` may make this write. Writes not listed need nothing. */
export function checkWrite(state: AuthState, who: AuthInfo, req: WriteRequest, leaseKeys: LeaseKeys): void {
  if (!state.enabled) return;
  switch (req.type) {
    case 'put':
      return checkPut(state, who, req.request, leaseKeys);
    case 'deleteRange':
      return checkDelete(state, who, req.request);
    case 'txn':
      return checkTxn(state, who, req.request);
    case 'leaseRevoke':
      return checkLeaseKeys(state, who, req.request.id, leaseKeys);
    case 'compaction':
      // Lodestone's own rule (etcd 3.4 lets any client compact): history is everyone's, so only root.
      return state.checkAdmin(who);
    case 'leaseGrant':
    case 'leaseCheckpoint':
    case 'noop':
      return;
  }
}
