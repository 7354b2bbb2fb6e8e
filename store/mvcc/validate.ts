// The checks etcd makes before a request enters raft (v3rpc's checkPutRequest, checkTxnRequest,
// checkIntervals, and the server's size limit). The member runs them before proposing, so a bad
// request fails fast; applyBatch runs them again, so a request that slipped through still fails
// the same way on every member, consuming no revision.
import {
  DuplicateKeyError,
  EmptyKeyError,
  LeaseProvidedError,
  LeaseTtlTooLargeError,
  RequestTooLargeError,
  TooManyOpsError,
  ValueProvidedError,
} from '../errors.js';
import { toKeyString } from './key-bytes.js';
import { raftRequestSize } from './request-size.js';
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest, WriteRequest } from './types.js';

export interface RequestLimits {
  /** etcd's --max-request-bytes: the largest write request, encoded. */
  readonly maxRequestBytes: number;
  /** etcd's --max-txn-ops: the most compares, or ops in one branch, of a txn. */
  readonly maxTxnOps: number;
  /**
   * The longest key. etcd has no limit of its own beyond the request size, so this defaults to
   * maxRequestBytes; a key over it fails with etcd's request-too-large error.
   */
  readonly maxKeyBytes: number;
}

export const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
export const DEFAULT_MAX_TXN_OPS = 128;
/** etcd's lease.MaxLeaseTTL, in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;

export function requestLimits(overrides: Partial<RequestLimits> = {}): RequestLimits {
  const maxRequestBytes = overrides.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  return {
    maxRequestBytes,
    maxTxnOps: overrides.maxTxnOps ?? DEFAULT_MAX_TXN_OPS,
    maxKeyBytes: overrides.maxKeyBytes ?? maxRequestBytes,
  };
}

/** Throws the StoreError etcd would return for this write request, if any. */
export function checkWriteRequest(req: WriteRequest, limits: RequestLimits): void {
  switch (req.type) {
    case 'put':
      checkPut(req.request, limits);
      break;
    case 'deleteRange':
      checkDelete(req.request, limits);
      break;
    case 'txn':
      checkTxn(req.request, limits.maxTxnOps, limits);
      checkIntervals(req.request.success ?? []);
      checkIntervals(req.request.failure ?? []);
      break;
    case 'leaseGrant':
      if (req.request.ttl > MAX_LEASE_TTL) throw new LeaseTtlTooLargeError();
      break;
    case 'compaction':
    case 'leaseRevoke':
    case 'leaseCheckpoint':
    case 'noop':
      break;
  }
  if (raftRequestSize(req) > limits.maxRequestBytes) throw new RequestTooLargeError();
}

export function checkRangeRequest(req: RangeRequest, limits?: RequestLimits): void {
  checkKey(req.key, limits);
}

function checkKey(key: Uint8Array, limits: RequestLimits | undefined): void {
  if (key.length === 0) throw new EmptyKeyError();
  if (limits && key.length > limits.maxKeyBytes) throw new RequestTooLargeError();
}

function checkPut(r: PutRequest, limits: RequestLimits): void {
  checkKey(r.key, limits);
  if (r.ignoreValue && r.value !== undefined && r.value.length !== 0) throw new ValueProvidedError();
  if (r.ignoreLease && r.lease !== undefined && r.lease !== 0n) throw new LeaseProvidedError();
}

function checkDelete(r: DeleteRangeRequest, limits: RequestLimits): void {
  checkKey(r.key, limits);
}

/** Like etcd: the op budget of a nested txn is what its parent leaves. */
function checkTxn(r: TxnRequest, maxTxnOps: number, limits: RequestLimits): void {
  const ops = Math.max(r.compare?.length ?? 0, r.success?.length ?? 0, r.failure?.length ?? 0);
  if (ops > maxTxnOps) throw new TooManyOpsError();
  for (const c of r.compare ?? []) checkKey(c.key, limits);
  for (const op of [...(r.success ?? []), ...(r.failure ?? [])]) {
    switch (op.type) {
      case 'range':
        checkRangeRequest(op.request, limits);
        break;
      case 'put':
        checkPut(op.request, limits);
        break;
      case 'deleteRange':
        checkDelete(op.request, limits);
        break;
      case 'txn':
        checkTxn(op.request, maxTxnOps - ops, limits);
        break;
    }
  }
}

/**
 * A deleted interval as etcd's checkIntervals sees it: [start, end) compared as plain strings.
 * etcd does not read the "\0" range end as "no upper bound" here, so a from-key delete overlaps
 * no put; that is kept, so the same txns pass and fail as on etcd.
 */
interface DeletedInterval {
  readonly start: string;
  readonly end: string | undefined; // undefined: the single key `start`
}

function covers(dels: readonly DeletedInterval[], key: string): boolean {
  for (const d of dels) {
    if (d.end === undefined ? key === d.start : d.start <= key && key < d.end) return true;
  }
  return false;
}

/** Rejects a put to a key another put or a delete of the same txn also touches (etcd's checkIntervals). */
function checkIntervals(reqs: readonly RequestOp[]): { puts: Set<string>; dels: DeletedInterval[] } {
  const dels: DeletedInterval[] = [];
  for (const op of reqs) {
    if (op.type !== 'deleteRange') continue;
    const { key, rangeEnd } = op.request;
    dels.push({ start: toKeyString(key), end: rangeEnd && rangeEnd.length > 0 ? toKeyString(rangeEnd) : undefined });
  }
  const puts = new Set<string>();
  for (const op of reqs) {
    if (op.type !== 'txn') continue;
    const then = checkIntervals(op.request.success ?? []);
    const otherwise = checkIntervals(op.request.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || covers(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      // The same key in both branches is fine: only one branch runs.
      if (puts.has(k) && !then.puts.has(k)) throw new DuplicateKeyError();
      if (covers(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of reqs) {
    if (op.type !== 'put') continue;
    const k = toKeyString(op.request.key);
    if (puts.has(k) || covers(dels, k)) throw new DuplicateKeyError();
    puts.add(k);
  }
  return { puts, dels };
}
