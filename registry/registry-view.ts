// Each member's own copy of the registry, kept from its local state: one read of the registry's
// range, then a watch from the revision after it. DNS, Consul's HTTP API and the check runner answer
// from it without a round trip, and blocking queries wait on its change indexes. It follows the
// member's applied state, as a Consul server's default (non-"consistent") reads do.
import type { CallSignal } from '../rpc/call-options.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import type { WatchBackend } from '../rpc/watch-backend.js';
import type { KeyValue, MvccEvent } from '../store/mvcc/types.js';
import type { Watcher } from '../store/watch/types.js';
import { DEFAULT_SETTINGS, parseRegistryKey, registryRange, type CheckDefinition, type HealthRecord, type HealthStatus, type InstanceRecord, type ServiceSettings } from './layout.js';
import { decodeHealth, decodeInstance, decodeSettings } from './records.js';

/** A check of an instance with its current state. */
export interface CheckState {
  readonly id: string;
  /** Undefined for a state written under the instance with no check registered for it. */
  readonly definition: CheckDefinition | undefined;
  readonly health: HealthRecord | undefined;
  /** The recorded state; the definition's initial state before the first result. */
  readonly status: HealthStatus;
  /** The revision its state was written at; 0 before the first. */
  readonly modRevision: number;
}

export interface ServiceInstance {
  readonly service: string;
  readonly id: string;
  readonly record: InstanceRecord;
  /** The lease it lives on; 0n for a persistent instance. */
  readonly lease: bigint;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly checks: readonly CheckState[];
  /** The worst of its checks' states; passing with no checks. */
  readonly status: HealthStatus;
}

interface StoredHealth {
  readonly record: HealthRecord | undefined;
  readonly modRevision: number;
}

interface ServiceState {
  /** Each instance's key and its record, decoded once when it changes (readers ask often). */
  readonly instances: Map<string, { readonly kv: KeyValue; readonly record: InstanceRecord }>;
  readonly health: Map<string, Map<string, StoredHealth>>;
  settings: ServiceSettings;
  /** The last revision that changed anything of the service (Consul's X-Consul-Index for it). */
  index: number;
}

const RANK: Record<HealthStatus, number> = { passing: 0, warning: 1, critical: 2 };

export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'passing';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** How long to wait before reading again after the watch failed (a learner is refused watches). */
const RESTART_MS = 1000;

const decoder = new TextDecoder();

export type RegistryChangeListener = (services: ReadonlySet<string>, revision: number) => void;

export class RegistryView {
  private readonly services = new Map<string, ServiceState>();
  /** Check id → the instances registering it ("service/id" keys, usually one). */
  private readonly checkOwners = new Map<string, Set<string>>();
  private readonly listeners = new Set<RegistryChangeListener>();
  private watcher: Watcher | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private ready: Promise<void> | undefined;
  private through = 0;
  private catalog = 1;
  private changed = 1;

  constructor(
    // Only a read and a watch: a member's backends, or a remote cluster's (cli/service/).
    private readonly kv: Pick<KvBackend, 'range'>,
    private readonly watch: Pick<WatchBackend, 'watch'>,
  ) {}

  /** Reads the registry and follows it; resolves once the first read is in. */
  start(): Promise<void> {
    this.ready ??= this.load();
    return this.ready;
  }

  close(): void {
    this.closed = true;
    this.watcher?.cancel();
    this.watcher = undefined;
    clearTimeout(this.restartTimer);
    this.listeners.clear();
  }

  /** The revision the view has applied every change up to. */
  get revision(): number {
    return this.through;
  }

  /**
   * The last revision that registered, changed or removed an instance (the catalog's index); at least
   * 1. As Consul's services table index, a check changing state does not move it: what the catalog
   * lists (names and tags) did not change, and its watchers (Prometheus's, Traefik's) are not woken.
   */
  get catalogIndex(): number {
    return this.catalog;
  }

  /** The last revision that changed the registry at all: an instance, a check's state, a setting; at least 1. */
  get registryIndex(): number {
    return this.changed;
  }

  /** The last revision that changed the service; the catalog's index for one the view never saw. */
  serviceIndex(service: string): number {
    return this.services.get(service)?.index ?? this.catalog;
  }

  /** Names of the services with at least one instance, sorted. */
  serviceNames(): string[] {
    return [...this.services].filter(([, s]) => s.instances.size > 0).map(([name]) => name).sort();
  }

  /** Whether the service has an instance (serviceNames() lists it), without building any. */
  hasInstances(service: string): boolean {
    return (this.services.get(service)?.instances.size ?? 0) > 0;
  }

  settings(service: string): ServiceSettings {
    return this.services.get(service)?.settings ?? DEFAULT_SETTINGS;
  }

  /** Every instance of the service, sorted by id. */
  instances(service: string): ServiceInstance[] {
    const s = this.services.get(service);
    if (!s) return [];
    return [...s.instances.keys()].sort().map((id) => this.instance(service, s, id)!);
  }

  /** One instance, or undefined. */
  get(service: string, id: string): ServiceInstance | undefined {
    const s = this.services.get(service);
    return s ? this.instance(service, s, id) : undefined;
  }

  /** The instance a check belongs to, by the check's id (unique in the cluster by convention). */
  findCheck(checkId: string): { readonly instance: ServiceInstance; readonly check: CheckState } | undefined {
    for (const ref of this.checkOwners.get(checkId) ?? []) {
      const slash = ref.indexOf('/');
      const instance = this.get(ref.slice(0, slash), ref.slice(slash + 1));
      const check = instance?.checks.find((c) => c.id === checkId);
      if (instance && check) return { instance, check };
    }
    return undefined;
  }

  /** Called with the services a revision changed, once the view shows it. Returns the unsubscribe. */
  onChange(listener: RegistryChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once `index()` is above `after`, or after `timeoutMs` (or when `signal` fires): a
   * Consul blocking query. Resolves at once when it already is.
   */
  waitFor(index: () => number, after: number, timeoutMs: number, signal?: CallSignal): Promise<void> {
    if (index() > after || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const off = this.onChange(() => {
        if (index() > after) done();
      });
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private instance(service: string, s: ServiceState, id: string): ServiceInstance | undefined {
    const entry = s.instances.get(id);
    if (!entry) return undefined;
    const { kv, record } = entry;
    const stored = s.health.get(id);
    const checks: CheckState[] = record.checks.map((definition) => {
      const h = stored?.get(definition.id);
      return { id: definition.id, definition, health: h?.record, status: h?.record?.status ?? definition.initialStatus, modRevision: h?.modRevision ?? 0 };
    });
    if (stored) {
      for (const [checkId, h] of stored) {
        if (!h.record || record.checks.some((c) => c.id === checkId)) continue;
        checks.push({ id: checkId, definition: undefined, health: h.record, status: h.record.status, modRevision: h.modRevision });
      }
    }
    return {
      service,
      id,
      record,
      lease: kv.lease,
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
      checks,
      status: worstStatus(checks.map((c) => c.status)),
    };
  }

  private async load(): Promise<void> {
    const range = registryRange();
    const read = await this.kv.range({ key: range.key, rangeEnd: range.rangeEnd }, true);
    if (this.closed) return;
    // Every service known before or after the read may have changed: listeners hear of them all.
    const changed = new Set(this.services.keys());
    this.services.clear();
    this.checkOwners.clear();
    let catalog = 1;
    let any = 1;
    for (const kv of read.kvs) {
      const touched = this.apply({ type: 'put', kv }, kv.modRevision);
      if (touched !== undefined) {
        if (touched.kind === 'instance') catalog = Math.max(catalog, kv.modRevision);
        any = Math.max(any, kv.modRevision);
        changed.add(touched.service);
      }
    }
    this.catalog = catalog;
    this.changed = any;
    this.through = read.revision;
    this.follow(read.revision + 1);
    if (changed.size > 0) for (const listener of [...this.listeners]) listener(changed, this.through);
  }

  private follow(from: number): void {
    const range = registryRange();
    try {
      this.watcher = this.watch.watch(
        { key: range.key, rangeEnd: range.rangeEnd, startRevision: from, prevKv: false, noPut: false, noDelete: false },
        {
          onEvents: (events, throughRevision) => {
            this.onEvents(events, throughRevision);
            return true;
          },
          // History no longer tells what changed: read the whole registry again.
          onCompacted: () => this.restart(0),
        },
      );
    } catch {
      this.restart(RESTART_MS);
    }
  }

  private restart(delayMs: number): void {
    this.watcher?.cancel();
    this.watcher = undefined;
    if (this.closed) return;
    this.restartTimer = setTimeout(() => {
      this.ready = this.load().catch(() => this.restart(RESTART_MS));
    }, delayMs);
  }

  private onEvents(events: readonly MvccEvent[], throughRevision?: number): void {
    const changed = new Set<string>();
    let revision = this.through;
    for (const event of events) {
      const touched = this.apply(event, event.kv.modRevision);
      revision = Math.max(revision, event.kv.modRevision);
      if (touched !== undefined) {
        changed.add(touched.service);
        if (touched.kind === 'instance') this.catalog = Math.max(this.catalog, event.kv.modRevision);
        this.changed = Math.max(this.changed, event.kv.modRevision);
      }
    }
    this.through = Math.max(revision, throughRevision ?? 0);
    if (changed.size === 0) return;
    for (const listener of [...this.listeners]) listener(changed, this.through);
  }

  /** Applies one change; returns the service it touched and how, if it was a registry key. */
  private apply(event: MvccEvent, revision: number): { readonly service: string; readonly kind: 'instance' | 'health' | 'settings' } | undefined {
    const parsed = parseRegistryKey(decoder.decode(event.kv.key));
    if (!parsed) return undefined;
    let s = this.services.get(parsed.service);
    if (!s) {
      s = { instances: new Map(), health: new Map(), settings: DEFAULT_SETTINGS, index: revision };
      this.services.set(parsed.service, s);
    }
    s.index = Math.max(s.index, revision);
    const put = event.type === 'put';
    switch (parsed.kind) {
      case 'instance': {
        const ref = `${parsed.service}/${parsed.id}`;
        const before = s.instances.get(parsed.id);
        if (before) for (const c of before.record.checks) this.checkOwners.get(c.id)?.delete(ref);
        if (put) {
          const record = decodeInstance(event.kv.value);
          s.instances.set(parsed.id, { kv: event.kv, record });
          for (const c of record.checks) {
            let owners = this.checkOwners.get(c.id);
            if (!owners) this.checkOwners.set(c.id, (owners = new Set()));
            owners.add(ref);
          }
        } else s.instances.delete(parsed.id);
        break;
      }
      case 'health': {
        let checks = s.health.get(parsed.id);
        if (put) {
          if (!checks) s.health.set(parsed.id, (checks = new Map()));
          checks.set(parsed.check, { record: decodeHealth(event.kv.value), modRevision: event.kv.modRevision });
        } else if (checks) {
          checks.delete(parsed.check);
          if (checks.size === 0) s.health.delete(parsed.id);
        }
        break;
      }
      case 'settings':
        s.settings = put ? decodeSettings(event.kv.value) : DEFAULT_SETTINGS;
        break;
    }
    return { service: parsed.service, kind: parsed.kind };
  }
}
