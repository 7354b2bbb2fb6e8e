// Changes to the registry, each one transaction over the member's KV backend, so that two writers
// never interleave (a check result never lands on an instance registered again meanwhile) and any
// etcd client watching the keys sees each change whole.
import type { CallOptions } from '../rpc/call-options.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import { prefixEnd } from '../store/mvcc/key-bytes.js';
import type { Compare, KeyValue, RequestOp } from '../store/mvcc/types.js';
import { healthKey, healthPrefix, instanceKey, settingsKey, type HealthRecord, type HealthStatus, type InstanceRecord, type ServiceSettings } from './layout.js';
import { decodeHealth, encodeJson } from './records.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Tries of a change whose guard failed because another writer came first. */
const MAX_TRIES = 5;

/** Which registration a health write is for: it is dropped if the instance was registered anew. */
export interface InstanceRef {
  readonly createRevision: number;
  readonly lease: bigint;
  /**
   * The check's state as the caller's view shows it (modRevision 0: none yet): a different state is
   * written over only while it is still that one, with no read first — a read through raft is a
   * round trip a TTL check's flip would otherwise wait for. If it moved, a read decides.
   */
  readonly state?: { readonly modRevision: number; readonly record: HealthRecord | undefined };
}

export type HealthWrite = 'written' | 'unchanged' | 'no-instance';

/** What the writer needs of a KV store: a member's backend, or a remote cluster's client (cli/service/). */
export type RegistryKv = Pick<KvBackend, 'range' | 'write'>;

export class RegistryWriter {
  constructor(
    private readonly kv: RegistryKv,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Registers an instance, or replaces its record. A check it had before keeps its state; a new one
   * starts in its initial state; a check no longer listed loses its state. `lease` makes it
   * ephemeral (its keys go with the lease); without, it stays until deregistered.
   */
  async register(service: string, id: string, record: InstanceRecord, options: { lease?: bigint; call?: CallOptions } = {}): Promise<{ revision: number }> {
    const key = encoder.encode(instanceKey(service, id));
    const prefix = encoder.encode(healthPrefix(service, id));
    const lease = options.lease ?? 0n;
    for (let attempt = 1; ; attempt++) {
      const [current, states] = await Promise.all([
        this.kv.range({ key }, false, options.call),
        this.kv.range({ key: prefix, rangeEnd: prefixEnd(Uint8Array.from(prefix)) }, false, options.call),
      ]);
      const existing = current.kvs[0];
      const byCheck = new Map<string, KeyValue>(states.kvs.map((kv) => [decoder.decode(kv.key).slice(prefix.length), kv]));
      const ops: RequestOp[] = [{ type: 'put', request: { key, value: encodeJson(record), lease } }];
      for (const check of record.checks) {
        const had = byCheck.get(check.id);
        const keep = had && decodeHealth(had.value);
        const state: HealthRecord = keep ?? { status: check.initialStatus, output: '', since: this.now() };
        // Written again even when kept: the state's key must be on the instance's (new) lease.
        ops.push({ type: 'put', request: { key: encoder.encode(healthKey(service, id, check.id)), value: encodeJson(state), lease } });
        byCheck.delete(check.id);
      }
      for (const gone of byCheck.values()) ops.push({ type: 'deleteRange', request: { key: gone.key } });
      const guard: Compare[] = [
        existing ? { target: 'mod', modRevision: existing.modRevision, result: 'equal', key } : { target: 'create', createRevision: 0, result: 'equal', key },
        // No state was written meanwhile (a check result racing this registration).
        { target: 'mod', modRevision: states.revision + 1, result: 'less', key: prefix, rangeEnd: prefixEnd(Uint8Array.from(prefix)) },
      ];
      const res = await this.kv.write({ type: 'txn', request: { compare: guard, success: ops } }, options.call);
      if (res.response.succeeded || attempt >= MAX_TRIES) {
        if (!res.response.succeeded) throw new Error(`the registration of ${service}/${id} kept racing other writers`);
        return { revision: res.response.revision };
      }
    }
  }

  /**
   * Removes an instance and its checks' states; false if there was none (or a guard failed: the
   * check runner holds its writes to its ownership of the check, see registry/checks/).
   */
  async deregister(service: string, id: string, call?: CallOptions, guards: readonly Compare[] = []): Promise<boolean> {
    const key = encoder.encode(instanceKey(service, id));
    const prefix = encoder.encode(healthPrefix(service, id));
    const res = await this.kv.write(
      {
        type: 'txn',
        request: {
          compare: guards,
          success: [
            { type: 'deleteRange', request: { key } },
            { type: 'deleteRange', request: { key: prefix, rangeEnd: prefixEnd(Uint8Array.from(prefix)) } },
          ],
        },
      },
      call,
    );
    const first = res.response.responses[0];
    return first?.type === 'deleteRange' && first.response.deleted > 0;
  }

  /**
   * Records a check's state, unless it already is that (same status and output): then nothing is
   * written, so steady checks cost no raft entries. Dropped when the instance is gone or was
   * registered anew since `instance` was read, or when one of `guards` fails (reported as
   * 'no-instance' too: nothing was written).
   */
  async setHealth(service: string, id: string, checkId: string, status: HealthStatus, output: string, instance?: InstanceRef, call?: CallOptions, guards: readonly Compare[] = []): Promise<HealthWrite> {
    const key = encoder.encode(instanceKey(service, id));
    const stateKey = encoder.encode(healthKey(service, id, checkId));
    const known = instance?.state;
    // A view showing the state asked for may be behind a change: that case reads, as without one.
    const same = known?.record?.status === status && known.record.output === output;
    if (instance && known && !same) {
      const was = known.record;
      const since = was && was.status === status ? was.since : this.now();
      const res = await this.kv.write(
        {
          type: 'txn',
          request: {
            compare: [
              { target: 'create', createRevision: instance.createRevision, result: 'equal', key },
              { target: 'mod', modRevision: known.modRevision, result: 'equal', key: stateKey },
              ...guards,
            ],
            success: [{ type: 'put', request: { key: stateKey, value: encodeJson({ status, output, since }), lease: instance.lease } }],
          },
        },
        call,
      );
      if (res.response.succeeded) return 'written';
      return this.setHealth(service, id, checkId, status, output, { createRevision: instance.createRevision, lease: instance.lease }, call, guards);
    }
    let ref = instance;
    if (!ref) {
      const current = (await this.kv.range({ key }, false, call)).kvs[0];
      if (!current) return 'no-instance';
      ref = { createRevision: current.createRevision, lease: current.lease };
    }
    const before = (await this.kv.range({ key: stateKey }, false, call)).kvs[0];
    const was = before && decodeHealth(before.value);
    if (was && was.status === status && was.output === output) return 'unchanged';
    const since = was && was.status === status ? was.since : this.now();
    const res = await this.kv.write(
      {
        type: 'txn',
        request: {
          compare: [{ target: 'create', createRevision: ref.createRevision, result: 'equal', key }, ...guards],
          success: [{ type: 'put', request: { key: stateKey, value: encodeJson({ status, output, since }), lease: ref.lease } }],
        },
      },
      call,
    );
    return res.response.succeeded ? 'written' : 'no-instance';
  }

  async setSettings(service: string, settings: ServiceSettings, call?: CallOptions): Promise<void> {
    await this.kv.write({ type: 'put', request: { key: encoder.encode(settingsKey(service)), value: encodeJson(settings) } }, call);
  }
}
