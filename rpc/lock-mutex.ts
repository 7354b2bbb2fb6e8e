// etcd's Mutex (clientv3/concurrency) as its v3lock server runs it: a lock is held by the oldest
// key under "<name>/"; each session adds its own key "<name>/<lease in hex>" (kept if it is there
// already, so a session re-entering finds its old place in the queue) and waits until every older
// key is deleted.
import type { BoundCallOptions, CallOptions } from './call-options.js';
import type { ConcurrencyBackend } from './lock-backend.js';
import { byCreation, createdAt, deleteKey, getKey, keyPrefix, rangeResult, sessionKey, txn } from './lock-kv.js';
import { LockSessionExpiredError } from './lock-errors.js';
import { waitDeletes } from './lock-watch.js';
import type { LeaseBackend } from './lease-backend.js';

/** clientv3/concurrency's default session TTL: the lease etcd grants when a request names none. */
export const SESSION_TTL_SECONDS = 60;

/** The session's lease: the one given, or (0) a new one with the default TTL, as etcd's NewSession. */
export async function sessionLease(lease: LeaseBackend, id: bigint, options?: CallOptions): Promise<bigint> {
  if (id !== 0n) return id;
  return (await lease.grant(0n, SESSION_TTL_SECONDS, options)).id;
}

export interface HeldLock {
  readonly key: Buffer;
  /** The revision for the response header: of the txn, or of the read that found the way clear. */
  readonly revision: number;
}

export async function acquireLock(b: ConcurrencyBackend, name: Uint8Array, lease: bigint, options: BoundCallOptions): Promise<HeldLock> {
  const prefix = keyPrefix(name);
  const myKey = sessionKey(prefix, lease);
  const owner = { type: 'range', request: byCreation(prefix, 'ascend') } as const;
  // Not bound to the call: were the member to give up on it, whether the key was put would be
  // unknown, and a key left behind holds the lock up until its lease ends. A client gone by now
  // is noticed by the wait below, which then takes the key out again.
  const enqueued = await txn(b.kv, {
    compare: [createdAt(myKey, 0)],
    success: [{ type: 'put', request: { key: myKey, value: new Uint8Array(0), lease } }, owner],
    failure: [{ type: 'range', request: { key: myKey } }, owner],
  });
  const myRevision = enqueued.succeeded ? enqueued.revision : (rangeResult(enqueued, 0)[0]?.createRevision ?? enqueued.revision);
  const holder = rangeResult(enqueued, 1)[0];
  if (holder === undefined || holder.createRevision === myRevision) return { key: myKey, revision: enqueued.revision };

  let revision: number;
  try {
    revision = await waitDeletes(b.kv, b.watch, prefix, myRevision - 1, options);
  } catch (e) {
    // Leave the queue: a key left behind would hold up everyone after it until its lease ends.
    // Not bound to the call: it is most needed when the client has gone.
    await deleteKey(b.kv, myKey).catch(() => undefined);
    throw e;
  }
  // The key goes with its lease: if that expired while waiting, the lock is not held.
  const mine = await getKey(b.kv, myKey, options);
  if (mine.kvs.length === 0) throw new LockSessionExpiredError();
  return { key: myKey, revision };
}
