// Where the service registry keeps its state, so that any etcd client can read and write it:
//
//   /lodestone/services/<service>/<id>           an instance; value: JSON InstanceRecord. With a lease
//                                                it is ephemeral (gone with its holder's lease, as the
//                                                client's register() makes it); without, persistent
//                                                (it stays until deregistered, checked by the members)
//   /lodestone/health/<service>/<id>/<check>     a check's last state; value: JSON HealthRecord. On the
//                                                instance's lease when it has one. Written only when the
//                                                state changes, so steady checks cost no writes
//   /lodestone/service-settings/<service>        per-service settings; value: JSON ServiceSettings
//   /lodestone/consumers/<service>/<consumer>    a process that discovers <service>; value: JSON
//                                                ConsumerRecord. On the consumer's lease, so it goes
//                                                when the consumer does: the dependency graph's edges
//
// Names are non-empty and contain no "/". The three prefixes sort next to each other, so one range
// (registryRange) reads or watches the whole registry atomically, revision by revision.
import { prefixEnd } from '../store/mvcc/key-bytes.js';

export const SERVICES_PREFIX = '/lodestone/services/';
export const HEALTH_PREFIX = '/lodestone/health/';
export const SETTINGS_PREFIX = '/lodestone/service-settings/';
export const CONSUMERS_PREFIX = '/lodestone/consumers/';

export type HealthStatus = 'passing' | 'warning' | 'critical';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];

export type CheckKind = 'http' | 'tcp' | 'grpc' | 'ttl';

/** A health check of an instance, as registered. Durations in milliseconds. */
export interface CheckDefinition {
  /** Unique within the cluster: Consul's check ID (`service:<id>` by default). */
  readonly id: string;
  readonly name: string;
  readonly kind: CheckKind;
  /** http: the URL asked with GET (2xx passing, 429 warning, anything else critical). */
  readonly http?: string;
  /** http: the method, GET unless given. */
  readonly method?: string;
  /** tcp: "host:port" to connect to. */
  readonly tcp?: string;
  /** grpc: "host:port[/service]" asked with grpc.health.v1.Health/Check. */
  readonly grpc?: string;
  /** ttl: the instance reports in at least this often, or the check turns critical. */
  readonly ttlMs?: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes before a check that was not passing turns passing. */
  readonly successBeforePassing: number;
  /** Consecutive failures before a passing or warning check turns critical. */
  readonly failuresBeforeCritical: number;
  /** A persistent instance critical for this long is deregistered (0: never). */
  readonly deregisterCriticalAfterMs: number;
  /** The state before the first result. */
  readonly initialStatus: HealthStatus;
}

export interface InstanceWeights {
  readonly passing: number;
  readonly warning: number;
}

/** An instance as stored under /lodestone/services/. */
export interface InstanceRecord {
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: InstanceWeights;
  readonly checks: readonly CheckDefinition[];
}

/** A check's state as stored under /lodestone/health/. */
export interface HealthRecord {
  readonly status: HealthStatus;
  /** What the check said: the HTTP status line, the connection error, the TTL note. */
  readonly output: string;
  /** When the state last changed, in ms since the epoch (the writer's clock). */
  readonly since: number;
}

export interface ServiceSettings {
  /**
   * Nacos's protect threshold, 0–1: when the share of healthy instances falls below it, discovery
   * answers every instance rather than send all traffic to the few that pass. 0 turns it off.
   */
  readonly protectThreshold: number;
}

/** A process that discovers a service, as stored under /lodestone/consumers/. */
export interface ConsumerRecord {
  /** The service the consumer itself is (or its program's name when it registers none). */
  readonly consumer: string;
  /** Which process: host and pid. */
  readonly host: string;
  readonly pid: number;
  /** When it started discovering, in ms since the epoch (its own clock). */
  readonly since: number;
}

export const DEFAULT_SETTINGS: ServiceSettings = { protectThreshold: 0 };
export const DEFAULT_WEIGHTS: InstanceWeights = { passing: 1, warning: 1 };

/** Thrown for a name, record or key that does not fit the layout. */
export class RegistryLayoutError extends Error {
  override readonly name = 'RegistryLayoutError';
}

export function checkName(what: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
    throw new RegistryLayoutError(`a ${what} is non-empty text without "/", not ${JSON.stringify(name)}`);
  }
  return name;
}

export function instanceKey(service: string, id: string): string {
  return `${SERVICES_PREFIX}${checkName('service name', service)}/${checkName('instance id', id)}`;
}

export function healthPrefix(service: string, id: string): string {
  return `${HEALTH_PREFIX}${checkName('service name', service)}/${checkName('instance id', id)}/`;
}

export function healthKey(service: string, id: string, check: string): string {
  return healthPrefix(service, id) + checkName('check id', check);
}

/** One key per discovering process: `<consumer>` names the process uniquely, e.g. "checkout@host:pid:n". */
export function consumerKey(service: string, consumer: string): string {
  return `${CONSUMERS_PREFIX}${checkName('service name', service)}/${checkName('consumer id', consumer)}`;
}

export function settingsKey(service: string): string {
  return SETTINGS_PREFIX + checkName('service name', service);
}

const encoder = new TextEncoder();

/** [start, end) of every registry key: health, settings and instances, in one range. */
export function registryRange(): { readonly key: Uint8Array; readonly rangeEnd: Uint8Array } {
  return { key: encoder.encode(HEALTH_PREFIX), rangeEnd: prefixEnd(encoder.encode(SERVICES_PREFIX)) };
}

/** What a registry key names; undefined for a key in the range that is not the registry's. */
export type RegistryKey =
  | { readonly kind: 'instance'; readonly service: string; readonly id: string }
  | { readonly kind: 'health'; readonly service: string; readonly id: string; readonly check: string }
  | { readonly kind: 'settings'; readonly service: string };

export function parseRegistryKey(key: string): RegistryKey | undefined {
  const parts = (prefix: string, n: number): string[] | undefined => {
    if (!key.startsWith(prefix)) return undefined;
    const p = key.slice(prefix.length).split('/');
    return p.length === n && p.every((s) => s.length > 0) ? p : undefined;
  };
  const inst = parts(SERVICES_PREFIX, 2);
  if (inst) return { kind: 'instance', service: inst[0]!, id: inst[1]! };
  const health = parts(HEALTH_PREFIX, 3);
  if (health) return { kind: 'health', service: health[0]!, id: health[1]!, check: health[2]! };
  const settings = parts(SETTINGS_PREFIX, 1);
  if (settings) return { kind: 'settings', service: settings[0]! };
  return undefined;
}
