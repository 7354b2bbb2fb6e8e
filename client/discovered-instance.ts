// One instance as discover() shows it: its record (registry/layout.ts InstanceRecord), read
// leniently since any etcd client may have written it, with each check's current state.
import type { CheckDefinition, CheckKind, HealthStatus, InstanceRecord, RegistryKey } from '../registry/layout.js';
import { decodeHealth, decodeInstance } from '../registry/records.js';
import { worstStatus } from '../registry/registry-view.js';
import { weightFor } from '../registry/healthy-selection.js';
import type { KeyValue } from './key-value.js';

export interface DiscoveredCheck {
  readonly id: string;
  readonly name: string;
  /** Undefined for a state stored for no registered check. */
  readonly kind: CheckKind | undefined;
  readonly status: HealthStatus;
  /** What the check last said ("" before its first result). */
  readonly output: string;
  /** When the state last changed, ms since the epoch (0 before the first result). */
  readonly since: number;
  readonly definition: CheckDefinition | undefined;
}

/** The stored record's fields (address, port, tags, meta, weights), with each check's state. */
export interface ServiceInstance extends Omit<InstanceRecord, 'checks'> {
  readonly service: string;
  /** The instance's id within the service. */
  readonly instance: string;
  readonly checks: readonly DiscoveredCheck[];
  /** The worst of its checks' states; passing with no checks. */
  readonly status: HealthStatus;
  /** What picking spreads traffic by: its passing weight, or its warning one otherwise. */
  readonly weight: number;
  /** The lease it lives on; 0n when persistent. */
  readonly lease: bigint;
  /** The revision of its last registration or update. */
  readonly revision: number;
  /** The record as stored. */
  readonly record: InstanceRecord;
}

type Entries = ReadonlyMap<string, { readonly parsed: RegistryKey; readonly kv: KeyValue }>;

/** Every instance of the service in `entries` (one service's registry keys), sorted by id. */
export function instancesOf(service: string, entries: Entries): ServiceInstance[] {
  const records = new Map<string, KeyValue>();
  const health = new Map<string, Map<string, KeyValue>>();
  for (const { parsed, kv } of entries.values()) {
    if (parsed.kind === 'instance') records.set(parsed.id, kv);
    else if (parsed.kind === 'health') {
      let checks = health.get(parsed.id);
      if (!checks) health.set(parsed.id, (checks = new Map()));
      checks.set(parsed.check, kv);
    }
  }
  return [...records.keys()].sort().map((id) => {
    const kv = records.get(id)!;
    const record = decodeInstance(kv.value);
    const stored = health.get(id) ?? new Map<string, KeyValue>();
    const checks: DiscoveredCheck[] = record.checks.map((definition) => {
      const h = stored.get(definition.id);
      const state = h && decodeHealth(h.value);
      return { id: definition.id, name: definition.name, kind: definition.kind, status: state?.status ?? definition.initialStatus, output: state?.output ?? '', since: state?.since ?? 0, definition };
    });
    for (const [checkId, h] of stored) {
      const state = decodeHealth(h.value);
      if (!state || record.checks.some((c) => c.id === checkId)) continue;
      checks.push({ id: checkId, name: checkId, kind: undefined, status: state.status, output: state.output, since: state.since, definition: undefined });
    }
    const status = worstStatus(checks.map((c) => c.status));
    return {
      service,
      instance: id,
      address: record.address,
      port: record.port,
      tags: record.tags,
      meta: record.meta,
      weights: record.weights,
      checks,
      status,
      weight: weightFor(status, record.weights),
      lease: kv.lease,
      revision: kv.modRevision,
      record,
    };
  });
}

/** What tells whether an instance changed: its record's and its checks' states' revisions. */
export function signatureOf(instance: ServiceInstance): string {
  return `${instance.revision}|${instance.checks.map((c) => `${c.id}:${c.status}:${c.since}:${c.output}`).join('|')}`;
}
