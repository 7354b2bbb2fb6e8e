// etcd's Election (clientv3/concurrency) as its v3election server runs it: the leader is the
// oldest key under "<name>/"; a candidate puts "<name>/<lease in hex>" with its value (or finds
// its key there already) and waits until every older key is deleted. A leader is identified by
// its key and the key's create revision: proclaiming and resigning only act while both match.
import type { BoundCallOptions, CallOptions } from './call-options.js';
import { EtcdError } from './etcd-errors.js';
import type { ConcurrencyBackend } from './lock-backend.js';
import type { KvBackend } from './kv-backend.js';
import { createdAt, firstCreated, keyPrefix, rangeResult, sessionKey, txn } from './lock-kv.js';
import { waitDeletes } from './lock-watch.js';
import type * as st from '../store/mvcc/types.js';

/** Proof of leadership, as LeaderKey on the wire. */
export interface Leadership {
  readonly name: Uint8Array;
  readonly key: Uint8Array;
  /** The create revision of `key`. */
  readonly rev: number;
  readonly lease: bigint;
}

export interface Elected {
  readonly leader: Leadership;
  /** The campaign txn's revision: what etcd's Campaign answers in its header. */
  readonly revision: number;
}

export async function campaign(
  b: ConcurrencyBackend,
  name: Uint8Array,
  lease: bigint,
  value: Uint8Array,
  options: BoundCallOptions,
): Promise<Elected> {
  const prefix = keyPrefix(name);
  const key = sessionKey(prefix, lease);
  // Not bound to the call, as the Lock's: a candidacy the member gave up on might still be put,
  // with nothing here to withdraw it. A client gone by now is noticed by the wait below.
  const entered = await txn(b.kv, {
    compare: [createdAt(key, 0)],
    success: [{ type: 'put', request: { key, value, lease } }],
    failure: [{ type: 'range', request: { key } }],
  });
  let leader: Leadership = { name, key, rev: entered.revision, lease };
  if (!entered.succeeded) {
    // The session campaigned before: keep its place, with the value asked for now.
    const mine = rangeResult(entered, 0)[0];
    if (mine !== undefined) {
      leader = { ...leader, rev: mine.createRevision };
      if (!Buffer.from(mine.value).equals(value)) {
        try {
          await proclaim(b.kv, leader, value, options);
        } catch (e) {
          await resign(b.kv, leader).catch(() => undefined);
          throw e;
        }
      }
    }
  }
  try {
    await waitDeletes(b.kv, b.watch, prefix, leader.rev - 1, options);
  } catch (e) {
    // A candidate whose client gave up withdraws, as etcd's does when its context is canceled.
    if (options.signal.aborted) await resign(b.kv, leader).catch(() => undefined);
    throw e;
  }
  return { leader, revision: entered.revision };
}

/** Sets the leader's value while it still leads; resolves with the txn's revision. */
export async function proclaim(kv: KvBackend, leader: Leadership, value: Uint8Array, options?: CallOptions): Promise<number> {
  const r = await txn(
    kv,
    {
      compare: [createdAt(leader.key, leader.rev)],
      success: [{ type: 'put', request: { key: leader.key, value, lease: leader.lease } }],
    },
    options,
  );
  if (!r.succeeded) throw new EtcdError('ETCD_ELECTION_NOT_LEADER');
  return r.revision;
}

/** Gives up leadership (or a place in the queue) if still held; either way resolves with the txn's revision. */
export async function resign(kv: KvBackend, leader: Leadership, options?: CallOptions): Promise<number> {
  const r = await txn(
    kv,
    {
      compare: [createdAt(leader.key, leader.rev)],
      success: [{ type: 'deleteRange', request: { key: leader.key } }],
    },
    options,
  );
  return r.revision;
}

/** The current leader's key-value, or etcd's "election: no leader". */
export async function currentLeader(
  kv: KvBackend,
  name: Uint8Array,
  options?: CallOptions,
): Promise<{ readonly kv: st.KeyValue; readonly revision: number }> {
  const first = await firstCreated(kv, keyPrefix(name), options);
  if (first.kv === undefined) throw new EtcdError('ETCD_ELECTION_NO_LEADER');
  return { kv: first.kv, revision: first.revision };
}
