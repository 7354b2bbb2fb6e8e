// discover(): a service's instances with their checks' states, kept current by a watch, filtered as
// asked (tags; `passing`: the healthy ones, unless the protect threshold is crossed), with picking
// helpers, and a cache that keeps answering — marked stale — while the cluster is unreachable.
import { checkName, DEFAULT_SETTINGS, RegistryLayoutError, type ServiceSettings } from '../registry/layout.js';
import { decodeSettings } from '../registry/records.js';
import { isHealthyStatus, selectHealthy } from '../registry/healthy-selection.js';
import { programName, recordConsumer } from './consumers.js';
import { instancesOf, signatureOf, type ServiceInstance } from './discovered-instance.js';
import { ClientError } from './errors.js';
import { pickWeightedRandom, SmoothRoundRobin } from './instance-picker.js';
import { serviceRegisteredBy } from './instance-registration.js';
import type { KvClient } from './kv-client.js';
import type { LeasedKeys } from './leased-keys.js';
import { RegistryMirror } from './registry-mirror.js';
import { Subscribers } from './subscribers.js';

export interface DiscoverOptions {
  /** Only healthy instances: passing ones (and warning ones, unless `onlyPassing`), or every one when so few are healthy that the service's protect threshold is crossed. */
  readonly passing?: boolean;
  /** With `passing`: a warning instance does not count as healthy. */
  readonly onlyPassing?: boolean;
  /** Only instances with every one of these tags. */
  readonly tags?: readonly string[];
  /** The name this process is recorded under as a consumer of the service: by default the service this client registered, or the program's name. */
  readonly consumer?: string;
  /** Record this process as a consumer of the service (default true). */
  readonly recordConsumer?: boolean;
  /** Seconds the consumer record outlives this process. Default 10. */
  readonly consumerTtl?: number;
}

export type ServiceChange =
  | { readonly type: 'added' | 'updated'; readonly instance: ServiceInstance; readonly instances: ReadonlyMap<string, ServiceInstance>; readonly revision: number }
  | { readonly type: 'removed'; readonly instance: string; readonly instances: ReadonlyMap<string, ServiceInstance>; readonly revision: number };

/** Whether the discovery follows the cluster, and since when it does not. */
export interface Staleness {
  readonly stale: boolean;
  /** When it turned stale (ms since the epoch); undefined while current. */
  readonly since: number | undefined;
}

/**
 * A service's instances as asked for, kept current: `instances` now, `pick()`/`pickRandom()`, and
 * an async iterator that yields the instances there are when it starts (as "added") and then every
 * change — each loop that iterates gets its own.
 */
export class Discovery implements AsyncIterable<ServiceChange> {
  private current = new Map<string, ServiceInstance>();
  private signatures = new Map<string, string>();
  private readonly subscribers = new Subscribers<ServiceChange>();
  private readonly staleListeners = new Set<(state: Staleness) => void>();
  private readonly roundRobin = new SmoothRoundRobin();
  private mirror: RegistryMirror | undefined;
  private consumerRecord: { readonly key: string; readonly keys: LeasedKeys } | undefined;
  private staleSince: number | undefined;
  private protectingNow = false;
  private revisionNow = 0;

  /** @internal */
  constructor(
    readonly service: string,
    private readonly options: DiscoverOptions,
  ) {}

  /** @internal */
  async start(client: KvClient): Promise<void> {
    this.mirror = await RegistryMirror.open(client, this.service, {
      changed: (revision) => this.refresh(revision),
      stale: (stale) => this.setStale(stale),
    });
    this.refresh(this.mirror.revision);
    if (this.options.recordConsumer !== false) {
      const consumer = this.options.consumer ?? serviceRegisteredBy(client) ?? programName();
      try {
        this.consumerRecord = await recordConsumer(client, this.service, consumer, this.options.consumerTtl ?? 10);
      } catch (e) {
        await this.mirror.close();
        if (e instanceof RegistryLayoutError) throw new ClientError('LODESTONE_INVALID_ARGUMENT', e.message);
        throw e;
      }
    }
  }

  /** The instances as asked for, by id. While stale: the last ones known. */
  get instances(): ReadonlyMap<string, ServiceInstance> {
    return this.current;
  }

  /** True while the cluster cannot be reached (the watch is reconnecting): the answers are the last known. */
  get stale(): boolean {
    return this.staleSince !== undefined;
  }

  /** When the discovery turned stale (ms since the epoch); undefined while current. */
  get since(): number | undefined {
    return this.staleSince;
  }

  /** True when `passing` answers every instance because the protect threshold was crossed. */
  get protecting(): boolean {
    return this.protectingNow;
  }

  /** The revision the instances are current as of. */
  get revision(): number {
    return this.revisionNow;
  }

  /** This process's consumer key, when it is recorded. */
  get consumerKey(): string | undefined {
    return this.consumerRecord?.key;
  }

  /** Called each time the discovery turns stale or current again. Returns the unsubscribe. */
  onStale(listener: (state: Staleness) => void): () => void {
    this.staleListeners.add(listener);
    return () => this.staleListeners.delete(listener);
  }

  /** The next instance by smooth weighted round-robin; undefined when none has weight. */
  pick(): ServiceInstance | undefined {
    return this.roundRobin.pick([...this.current.values()]);
  }

  /** An instance at random, each with the chance of its share of the weights. */
  pickRandom(random: () => number = Math.random): ServiceInstance | undefined {
    return pickWeightedRandom([...this.current.values()], random);
  }

  private setStale(stale: boolean): void {
    if (stale === this.stale) return;
    this.staleSince = stale ? Date.now() : undefined;
    const state: Staleness = { stale, since: this.staleSince };
    for (const listener of [...this.staleListeners]) listener(state);
  }

  private settings(): ServiceSettings {
    for (const { parsed, kv } of this.mirror?.entries.values() ?? []) if (parsed.kind === 'settings') return decodeSettings(kv.value);
    return DEFAULT_SETTINGS;
  }

  private refresh(revision: number): void {
    if (!this.mirror) return;
    this.revisionNow = revision;
    const tags = this.options.tags ?? [];
    let chosen = instancesOf(this.service, this.mirror.entries).filter((i) => tags.every((t) => i.tags.includes(t)));
    this.protectingNow = false;
    if (this.options.passing) {
      const selection = selectHealthy(chosen, (i) => isHealthyStatus(i.status, this.options.onlyPassing ?? false), this.settings().protectThreshold);
      chosen = selection.chosen;
      this.protectingNow = selection.protecting;
    }
    const next = new Map(chosen.map((i) => [i.instance, i]));
    const nextSignatures = new Map(chosen.map((i) => [i.instance, signatureOf(i)]));
    const changes: ServiceChange[] = [];
    const running = new Map(this.current);
    for (const id of this.current.keys()) {
      if (next.has(id)) continue;
      running.delete(id);
      changes.push({ type: 'removed', instance: id, instances: new Map(running), revision });
    }
    for (const [id, instance] of next) {
      const had = this.signatures.get(id);
      if (had === nextSignatures.get(id)) continue;
      running.set(id, instance);
      changes.push({ type: had === undefined ? 'added' : 'updated', instance, instances: new Map(running), revision });
    }
    this.current = next;
    this.signatures = nextSignatures;
    if (changes.length > 0) this.subscribers.publish(changes);
  }

  /** The instances there are now (as "added"), then every change. */
  [Symbol.asyncIterator](): AsyncIterator<ServiceChange> {
    const instances = new Map(this.current);
    const initial = [...instances.values()].map((instance): ServiceChange => ({ type: 'added', instance, instances, revision: instance.revision }));
    return this.subscribers.subscribe(initial);
  }

  /** Stops following the service and removes this process's consumer record. */
  async close(): Promise<void> {
    await this.mirror?.close();
    await this.consumerRecord?.keys.close(true).catch(() => undefined);
    this.subscribers.finish();
  }
}

/** Discovers a service's instances (see DiscoverOptions for the filters), and records this process as its consumer. */
export async function discover(client: KvClient, service: string, options: DiscoverOptions = {}): Promise<Discovery> {
  try {
    checkName('service name', service);
  } catch (e) {
    if (e instanceof RegistryLayoutError) throw new ClientError('LODESTONE_INVALID_ARGUMENT', e.message);
    throw e;
  }
  const d = new Discovery(service, options);
  await d.start(client);
  return d;
}
