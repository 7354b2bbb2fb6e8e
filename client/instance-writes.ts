// The registry's writes as a client makes them, the same transactions a member makes
// (registry/registry-writer.ts), so members and clients can share an instance's keys: the record and
// its checks' states in one revision, on the instance's lease; a check's state written only when it
// changes, and only for the registration it was meant for.
import { healthKey, healthPrefix, instanceKey, type HealthRecord, type HealthStatus, type InstanceRecord } from '../registry/layout.js';
import { decodeHealth } from '../registry/records.js';
import { ttlKey } from '../registry/checks/check-keys.js';
import { toText } from './bytes.js';
import { ClientError } from './errors.js';
import type { KvClient } from './kv-client.js';
import { Op } from './txn-builder.js';

/** Tries of a write whose guard failed because another writer came first. */
const MAX_TRIES = 5;

/**
 * Writes the instance and its checks' states: a check it had keeps its state, a new one starts in
 * its initial state, one no longer listed loses its state. Lease 0n: persistent.
 */
export async function writeInstance(client: KvClient, service: string, id: string, record: InstanceRecord, lease: bigint): Promise<{ readonly revision: number; readonly createRevision: number }> {
  const key = instanceKey(service, id);
  const prefix = healthPrefix(service, id);
  for (let attempt = 1; ; attempt++) {
    const [existing, states] = await Promise.all([client.get(key), client.range({ prefix })]);
    const byCheck = new Map(states.kvs.map((kv) => [toText(kv.key).slice(prefix.length), kv]));
    const txn = client.txn().if(key, 'mod', '==', existing?.modRevision ?? 0);
    const ops = [Op.put(key, JSON.stringify(record), { lease })];
    for (const check of record.checks) {
      const had = byCheck.get(check.id);
      const state: HealthRecord = (had && decodeHealth(had.value)) || { status: check.initialStatus, output: '', since: Date.now() };
      const stateKey = healthKey(service, id, check.id);
      // Nobody wrote the state meanwhile (a check result racing this registration).
      txn.if(stateKey, 'mod', '==', had?.modRevision ?? 0);
      // Written again even when kept: the state must be on the instance's (new) lease.
      ops.push(Op.put(stateKey, JSON.stringify(state), { lease }));
      byCheck.delete(check.id);
    }
    for (const gone of byCheck.values()) ops.push(Op.delete(gone.key));
    const res = await txn.then(...ops).commit();
    if (res.succeeded) return { revision: res.revision, createRevision: existing?.createRevision ?? res.revision };
    if (attempt >= MAX_TRIES) throw new ClientError('LODESTONE_UNAVAILABLE', `the registration of ${service}/${id} kept racing other writers`);
  }
}

/** Removes the instance and its checks' states; false if it was not there. */
export async function removeInstance(client: KvClient, service: string, id: string): Promise<boolean> {
  const res = await client
    .txn()
    .then(Op.delete(instanceKey(service, id)), Op.delete({ prefix: healthPrefix(service, id) }))
    .commit({ idempotent: true });
  const first = res.results[0];
  return first?.kind === 'delete' && first.deleted > 0;
}

export type ReportOutcome = 'written' | 'unchanged' | 'no-instance';

/**
 * Records a check's state as the instance reports it, unless it already is that (then nothing is
 * written); dropped when the instance is gone or was registered anew (another create revision).
 */
export async function writeCheckState(client: KvClient, service: string, id: string, checkId: string, status: HealthStatus, output: string): Promise<ReportOutcome> {
  const key = instanceKey(service, id);
  const stateKey = healthKey(service, id, checkId);
  const [instance, before] = await Promise.all([client.get(key), client.get(stateKey)]);
  if (!instance) return 'no-instance';
  const was = before && decodeHealth(before.value);
  if (was && was.status === status && was.output === output) return 'unchanged';
  const since = was && was.status === status ? was.since : Date.now();
  const res = await client
    .txn()
    .if(key, 'create', '==', instance.createRevision)
    .then(Op.put(stateKey, JSON.stringify({ status, output, since } satisfies HealthRecord), { lease: instance.lease }))
    .commit({ idempotent: true });
  return res.succeeded ? 'written' : 'no-instance';
}

/**
 * Starts a TTL check's clock over, as a member does on a report (registry/checks/ttl-clock.ts): the
 * clock is a key on a lease with the check's TTL; a report renews that lease (no raft write), or
 * starts one if it ran out. When reports stop, the lease expires and the check's owner records
 * "TTL expired".
 */
export async function renewTtlClock(client: KvClient, checkId: string, ttlMs: number): Promise<void> {
  const key = ttlKey(checkId);
  const running = await client.get(key);
  if (running && running.lease !== 0n && (await client.keepAliveOnce(running.lease)) > 0) return;
  const lease = await client.grant(Math.max(1, Math.ceil(ttlMs / 1000)), { keepAlive: false });
  // The clock runs on by the reports, not by this process's keepalives.
  lease.release();
  const res = await client.txn().if(key, 'create', '==', 0).then(Op.put(key, checkId, { lease })).else(Op.get(key)).commit({ idempotent: true });
  if (res.succeeded) return;
  // Another reporter or a member started it first: renew theirs, drop ours.
  await client.revoke(lease.id).catch(() => undefined);
  const found = res.results[0];
  const theirs = found?.kind === 'get' ? found.kv?.lease : undefined;
  if (theirs !== undefined && theirs !== 0n) await client.keepAliveOnce(theirs);
}
