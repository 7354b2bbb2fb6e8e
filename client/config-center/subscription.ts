// A running program's subscription to a config-center namespace: the release meant for this
// instance (the current one, or a gray release whose selector matches it — releaseFor()), kept
// current by one watch on the namespace's keys (namespace-follower.ts), handed out as a snapshot each time that release
// changes, recorded as applied (or rejected) under the instance's own lease, and cached in a local
// file so that a start while the cluster is unreachable begins from the last release delivered.
import { hostname } from 'node:os';
import {
  appliedKey,
  checkInstanceName,
  ConfigLayoutError,
  namespaceName,
  parseNamespace,
  type AppliedRecord,
  type AppliedVia,
  type ConfigItems,
  type Namespace,
} from '../../configcenter/layout.js';
import { ClientError, isClientError } from '../errors.js';
import type { KvClient } from '../kv-client.js';
import { backoffDelay, isRetryable } from '../retry.js';
import { Subscribers } from '../subscribers.js';
import { AppliedReporter } from './applied-reporter.js';
import { cacheFile, defaultCacheDir, readCache, writeCache } from './config-cache.js';
import { sameItems } from './item-values.js';
import { NamespaceFollower } from './namespace-follower.js';
import { meantRelease } from './namespace-state.js';

export interface ConfigSnapshot {
  /** "app/env/cluster" */
  readonly namespace: string;
  /** 0: the namespace has no release yet. */
  readonly release: number;
  readonly items: ConfigItems;
  /** Started from the local cache file: the cluster was unreachable. */
  readonly fromCache: boolean;
}

export interface ConfigSubscriptionOptions {
  /** Default `${hostname}:${pid}:${n}`. */
  readonly instance?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Default 'library'. */
  readonly via?: AppliedVia;
  /** Default: ~/.lodestone/config-cache (Apollo's local cache); false: none. */
  readonly cacheDir?: string | false;
  /** Default true: each snapshot is recorded `applied` as it is delivered. */
  readonly autoReport?: boolean;
  readonly service?: string;
  readonly serviceInstance?: string;
}

export interface ConfigSubscription extends AsyncIterable<ConfigSnapshot> {
  /** The release meant for this instance now. */
  readonly snapshot: ConfigSnapshot;
  /** The instance name the applied record is kept under. */
  readonly instance: string;
  report(release: number, state: 'applied' | 'rejected', reason?: string): Promise<void>;
  close(): Promise<void>;
}

/** How long the first read may take before a cached release is used instead. */
const START_WAIT_MS = 3000;

let instances = 0;

/**
 * Subscribes to a namespace ("app", "app/env" or "app/env/cluster"). Resolves with the release meant
 * for this instance — read from the cluster, or, when the cluster does not answer within a few
 * seconds and a cache file exists, from the cache (`fromCache: true`, with a process warning), in
 * which case the live release follows as soon as the cluster answers.
 */
export async function subscribeConfig(client: KvClient, namespace: string, options: ConfigSubscriptionOptions = {}): Promise<ConfigSubscription> {
  let ns: Namespace;
  let instance: string;
  try {
    ns = parseNamespace(namespace);
    instance = checkInstanceName(options.instance ?? `${hostname()}:${process.pid}:${++instances}`);
  } catch (e) {
    if (e instanceof ConfigLayoutError) throw new ClientError('LODESTONE_INVALID_ARGUMENT', e.message, { cause: e });
    throw e;
  }
  const sub = new Subscription(client, ns, instance, options);
  await sub.start();
  return sub;
}

class Subscription implements ConfigSubscription {
  private current: ConfigSnapshot;
  private readonly subscribers = new Subscribers<ConfigSnapshot>();
  private readonly reporter: AppliedReporter;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly cacheDir: string | undefined;
  private follower: NamespaceFollower | undefined;
  private cacheWrites: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: KvClient,
    private readonly ns: Namespace,
    readonly instance: string,
    private readonly options: ConfigSubscriptionOptions,
  ) {
    this.labels = { ...(options.labels ?? {}) };
    this.cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? defaultCacheDir());
    this.current = { namespace: namespaceName(ns), release: 0, items: {}, fromCache: false };
    this.reporter = new AppliedReporter(client, appliedKey(ns, instance));
  }

  get snapshot(): ConfigSnapshot {
    return this.current;
  }

  /** The snapshot there is now, then each new one. */
  [Symbol.asyncIterator](): AsyncIterator<ConfigSnapshot> {
    return this.subscribers.subscribe([this.current]);
  }

  private open(): Promise<NamespaceFollower> {
    return NamespaceFollower.open(this.client, this.ns, () => this.update());
  }

  async start(): Promise<void> {
    const opening = this.open();
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      opening.then(
        (f) => ({ follower: f }),
        (e: unknown) => ({ error: e }),
      ),
      new Promise<{ slow: true }>((resolve) => (timer = setTimeout(() => resolve({ slow: true }), START_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if ('follower' in first) return this.live(first.follower);
    // Refused (permissions, a closed client) rather than unreachable: the cache is no answer to that.
    if ('error' in first && !isRetryable(first.error, 'read')) throw first.error;
    const cached = this.cacheDir ? await readCache(cacheFile(this.cacheDir, this.ns)) : undefined;
    if (!cached || cached.namespace !== namespaceName(this.ns)) {
      try {
        return this.live(await opening);
      } catch (e) {
        throw isRetryable(e, 'read') ? unavailable(this.ns, e) : e;
      }
    }
    this.current = { namespace: cached.namespace, release: cached.release, items: cached.items, fromCache: true };
    process.emitWarning(
      `config ${cached.namespace}: the cluster is unreachable; starting from the cached release ${cached.release} (saved ${cached.saved}) until it answers`,
      { code: 'LODESTONE_CONFIG_FROM_CACHE' },
    );
    // Recorded as soon as the cluster can take it.
    if ((this.options.autoReport ?? true) && cached.release > 0) this.report(cached.release, 'applied').catch(() => undefined);
    void opening.then(
      (m) => this.live(m),
      () => this.reconnect(),
    );
  }

  /** Keeps trying to read the namespace, after a back-off each time, until it works or the subscription closes. */
  private async reconnect(): Promise<void> {
    for (let n = 0; !this.closed; n++) {
      await sleep(backoffDelay(n, { initialMs: 200, maxMs: 5000 }));
      if (this.closed) return;
      try {
        return this.live(await this.open());
      } catch (e) {
        if (isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
      }
    }
  }

  private live(follower: NamespaceFollower): void {
    if (this.closed) {
      void follower.close();
      return;
    }
    this.follower = follower;
    this.update();
  }

  private update(): void {
    if (!this.follower || this.closed) return;
    const meant = meantRelease(this.follower, this.instance, this.labels);
    if (!meant) return;
    const was = this.current;
    const same = meant.release === was.release && sameItems(meant.items, was.items);
    if (same && !was.fromCache) return;
    this.current = { namespace: namespaceName(this.ns), release: meant.release, items: meant.items, fromCache: false };
    // The release it started from the cache with is the live one: no new snapshot (and its record
    // is on its way already).
    if (same) return;
    this.subscribers.publish([this.current]);
    this.delivered(this.current);
  }

  private delivered(snapshot: ConfigSnapshot): void {
    if (this.cacheDir) {
      const dir = this.cacheDir;
      const entry = { namespace: snapshot.namespace, release: snapshot.release, items: snapshot.items, saved: new Date().toISOString() };
      this.cacheWrites = this.cacheWrites
        .then(() => writeCache(cacheFile(dir, this.ns), dir, entry))
        .catch((e: unknown) => process.emitWarning(`config ${snapshot.namespace}: the cache file could not be written: ${e instanceof Error ? e.message : String(e)}`));
    }
    if ((this.options.autoReport ?? true) && snapshot.release > 0) {
      this.report(snapshot.release, 'applied').catch(() => undefined);
    }
  }

  async report(release: number, state: 'applied' | 'rejected', reason?: string): Promise<void> {
    if (this.closed) return;
    const record: AppliedRecord = {
      instance: this.instance,
      release,
      state,
      ...(reason !== undefined ? { reason } : {}),
      labels: this.labels,
      via: this.options.via ?? 'library',
      host: hostname(),
      pid: process.pid,
      ...(this.options.service !== undefined ? { service: this.options.service } : {}),
      ...(this.options.serviceInstance !== undefined ? { serviceInstance: this.options.serviceInstance } : {}),
      time: new Date().toISOString(),
    };
    await this.reporter.put(record);
  }

  /** Stops following the namespace; the applied record goes with the lease, revoked now. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A read still trying to reach the cluster is left to finish: live() closes what it opens.
    await this.follower?.close();
    await this.reporter.close(true);
    await this.cacheWrites;
    this.subscribers.finish();
  }
}

function unavailable(ns: Namespace, e: unknown): ClientError {
  return new ClientError('LODESTONE_UNAVAILABLE', `config ${namespaceName(ns)}: the cluster is unreachable and there is no cached release: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
