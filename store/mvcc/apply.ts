// Applies one write request inside an applyBatch call, the way etcd's applier does: every check that
// can fail runs before the first change, so a failed request changes nothing and consumes no revision.
import { CompactedError, FutureRevisionError, KeyNotFoundError, LeaseNotFoundError, NotReadOnlyError } from '../errors.js';
import { checkpointLeases, grantLease, revokeLease } from './apply-lease.js';
import { evaluateCompares } from './compare.js';
import { keySpan } from './key-bytes.js';
import { executeRange, readRevision } from './range.js';
import type { ReadView } from './read-view.js';
import { checkWriteRequest, type RequestLimits } from './validate.js';
import { WriteTxn, type TxnScope, type WriteContext } from './write-txn.js';
import type {
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  MvccEvent,
  PutRequest,
  PutResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WriteRequest,
  WriteResponse,
} from './types.js';

export interface ApplyContext extends WriteContext {
  /** The revision after the batch's changes so far. */
  readonly revision: number;
  readonly limits: RequestLimits;
  /** Read each changed key's previous kv for the events, as watchers asking for prev_kv need. */
  readonly eventsWithPrevKv: boolean;
  /** Moves the compaction revision (the store then drops the history below it). */
  compact(revision: number): void;
}

export interface Applied {
  readonly response: WriteResponse;
  readonly events: readonly MvccEvent[];
  /** The revision after this request: one more than before if it changed anything. */
  readonly revision: number;
}

const EMPTY = new Uint8Array(0);

export async function applyWrite(ctx: ApplyContext, req: WriteRequest): Promise<Applied> {
  checkWriteRequest(req, ctx.limits);
  switch (req.type) {
    case 'noop':
      return { response: { type: 'noop', response: { revision: ctx.revision } }, events: [], revision: ctx.revision };
    case 'compaction':
      return { response: { type: 'compaction', response: compact(ctx, req.request.revision) }, events: [], revision: ctx.revision };
    case 'leaseGrant':
      return grantLease(ctx, req.request);
    case 'leaseRevoke':
      return revokeLease(ctx, req.request);
    case 'leaseCheckpoint':
      return checkpointLeases(ctx, req.request);
    case 'put': {
      const txn = new WriteTxn(ctx, ctx.revision);
      const view = txn.view();
      // etcd checks the lease before reading the key (applierV3backend.Put).
      checkPutLease(ctx.leases, req.request);
      if (req.request.ignoreValue || req.request.ignoreLease) await checkPutTarget(view, req.request);
      const response = await put(txn, req.request, ctx.eventsWithPrevKv);
      return { response: { type: 'put', response }, events: txn.events, revision: txn.rev };
    }
    case 'deleteRange': {
      const txn = new WriteTxn(ctx, ctx.revision);
      const response = await deleteRange(txn, req.request, ctx.eventsWithPrevKv);
      return { response: { type: 'deleteRange', response }, events: txn.events, revision: txn.rev };
    }
    case 'txn': {
      const txn = new WriteTxn(ctx, ctx.revision);
      const view = txn.view();
      const plan = await planTxn(view, req.request);
      await checkPlan(view, ctx.leases, plan);
      const response = await runTxn(txn, plan, ctx.eventsWithPrevKv);
      return { response: { type: 'txn', response: { ...response, revision: txn.rev } }, events: txn.events, revision: txn.rev };
    }
  }
}

/** A txn without writes, served from committed state without going through raft. */
export async function readOnlyTxn(view: ReadView, req: TxnRequest): Promise<TxnResponse> {
  if (!isTxnReadOnly(req)) throw new NotReadOnlyError();
  const plan = await planTxn(view, req);
  await checkPlan(view, NO_LEASES, plan);
  const scope: TxnScope = {
    rev: view.rev,
    view: () => view,
    put: () => {
      throw new NotReadOnlyError();
    },
    deleteRange: () => {
      throw new NotReadOnlyError();
    },
  };
  return { ...(await runTxn(scope, plan, false)), revision: view.rev };
}

/** etcd's IsTxnReadonly: only range ops at the top level, in both branches. */
export function isTxnReadOnly(req: TxnRequest): boolean {
  return [...(req.success ?? []), ...(req.failure ?? [])].every((op) => op.type === 'range');
}

function compact(ctx: ApplyContext, revision: number): CompactionResponse {
  // etcd starts below revision 0 (compactMainRev -1), so compacting a never-compacted store at 0 is
  // accepted, and changes nothing.
  if (revision === 0 && ctx.compactRev === 0) return { revision: ctx.revision };
  if (revision <= ctx.compactRev) throw new CompactedError();
  if (revision > ctx.revision) throw new FutureRevisionError();
  ctx.compact(revision);
  return { revision: ctx.revision };
}

async function currentKv(view: ReadView, key: Uint8Array): Promise<KeyValue | undefined> {
  return (await executeRange(view, { key })).kvs[0];
}

/** What the checks need of the lease table. */
export interface LeaseLookup {
  has(id: bigint): boolean;
}

/** A read-only txn has no puts, so never asks. */
const NO_LEASES: LeaseLookup = { has: () => false };

/** A put with a lease needs the lease to exist (ignore_lease comes with no lease of its own). */
function checkPutLease(leases: LeaseLookup, r: PutRequest): void {
  if (r.lease !== undefined && r.lease !== 0n && !leases.has(r.lease)) throw new LeaseNotFoundError();
}

/** ignore_value / ignore_lease keep parts of the current kv, so the key must exist. */
async function checkPutTarget(view: ReadView, r: PutRequest): Promise<void> {
  if ((await currentKv(view, r.key)) === undefined) throw new KeyNotFoundError();
}

async function put(txn: TxnScope, r: PutRequest, eventsWithPrevKv: boolean): Promise<PutResponse> {
  const needPrev = r.ignoreValue || r.ignoreLease || r.prevKv || eventsWithPrevKv;
  const prev = needPrev ? await currentKv(txn.view(), r.key) : undefined;
  const value = r.ignoreValue ? prev!.value : (r.value ?? EMPTY);
  const lease = r.ignoreLease ? prev!.lease : (r.lease ?? 0n);
  const kv = txn.put(r.key, value, lease, prev);
  return r.prevKv && prev ? { revision: kv.modRevision, prevKv: prev } : { revision: kv.modRevision };
}

async function deleteRange(txn: TxnScope, r: DeleteRangeRequest, eventsWithPrevKv: boolean): Promise<DeleteRangeResponse> {
  const prevKvs = r.prevKv || eventsWithPrevKv ? (await executeRange(txn.view(), { key: r.key, rangeEnd: r.rangeEnd })).kvs : [];
  const deleted = txn.deleteRange(keySpan(r.key, r.rangeEnd), prevKvs);
  return { revision: txn.rev, deleted, prevKvs: r.prevKv ? prevKvs : [] };
}

/** Which branch each txn takes, decided up front against the state before the txn (as etcd does). */
interface TxnPlan {
  readonly succeeded: boolean;
  readonly ops: readonly RequestOp[];
  /** The plans of the nested txns among ops, in order. */
  readonly nested: readonly TxnPlan[];
}

async function planTxn(view: ReadView, req: TxnRequest): Promise<TxnPlan> {
  const succeeded = await evaluateCompares(view, req.compare ?? []);
  const ops = (succeeded ? req.success : req.failure) ?? [];
  const nested: TxnPlan[] = [];
  for (const op of ops) if (op.type === 'txn') nested.push(await planTxn(view, op.request));
  return { succeeded, ops, nested };
}

/** etcd's checkTxn: the errors the chosen ops would hit, found before any of them runs. */
async function checkPlan(view: ReadView, leases: LeaseLookup, plan: TxnPlan): Promise<void> {
  let n = 0;
  for (const op of plan.ops) {
    switch (op.type) {
      case 'range':
        if (op.request.revision) readRevision(view, op.request.revision);
        break;
      case 'put':
        // etcd's checkRequestPut: the key first, then the lease.
        if (op.request.ignoreValue || op.request.ignoreLease) await checkPutTarget(view, op.request);
        checkPutLease(leases, op.request);
        break;
      case 'deleteRange':
        break;
      case 'txn':
        await checkPlan(view, leases, plan.nested[n++]!);
        break;
    }
  }
}

async function runTxn(txn: TxnScope, plan: TxnPlan, eventsWithPrevKv: boolean): Promise<TxnResponse> {
  const responses: ResponseOp[] = [];
  let n = 0;
  for (const op of plan.ops) {
    switch (op.type) {
      case 'range':
        responses.push({ type: 'range', response: await executeRange(txn.view(), op.request) });
        break;
      case 'put':
        responses.push({ type: 'put', response: await put(txn, op.request, eventsWithPrevKv) });
        break;
      case 'deleteRange':
        responses.push({ type: 'deleteRange', response: await deleteRange(txn, op.request, eventsWithPrevKv) });
        break;
      case 'txn':
        responses.push({ type: 'txn', response: await runTxn(txn, plan.nested[n++]!, eventsWithPrevKv) });
        break;
    }
  }
  // etcd fills in the header revision of the outermost txn only; a nested txn's stays 0.
  return { revision: 0, succeeded: plan.succeeded, responses };
}
