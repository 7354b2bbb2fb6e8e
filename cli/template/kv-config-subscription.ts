// A minimal reader of one namespace's release over the plain KV API, as configcenter/layout.ts lays
// it out: `current` and `gray` decide the release meant for this instance (releaseFor), and
// `releases/<n>` holds its items; a watch on the namespace's keys follows both. Reports go to
// `applied/<instance>` on a lease of this process. It has no local cache: it is what the template
// command reads through until the typed client's own subscription serves it.
import { hostname } from 'node:os';
import type { KvClient, Lease, Watch } from '../../client/kv-client.js';
import { EventQueue } from '../../client/event-queue.js';
import { releaseFor } from '../../configcenter/gray-selection.js';
import {
  appliedKey,
  currentKey,
  grayKey,
  namespaceName,
  namespacePrefix,
  parseNamespace,
  releaseKey,
  type AppliedRecord,
  type CurrentRecord,
  type GrayRecord,
  type Namespace,
  type ReleaseRecord,
} from '../../configcenter/layout.js';
import type { ConfigSnapshot, ConfigSubscription, ConfigSubscriptionOptions } from './sources.js';

let opened = 0;
const APPLIED_TTL_SECONDS = 10;

export class KvConfigSubscription implements ConfigSubscription {
  private current: ConfigSnapshot;
  private watch: Watch | undefined;
  private lease: Lease | undefined;
  private readonly queues = new Set<EventQueue<ConfigSnapshot>>();
  private readonly instance: string;
  private readonly labels: Readonly<Record<string, string>>;
  private closed = false;

  private constructor(
    private readonly client: KvClient,
    private readonly ns: Namespace,
    private readonly options: ConfigSubscriptionOptions,
  ) {
    this.instance = options.instance ?? `${hostname()}:${process.pid}:${++opened}`;
    this.labels = options.labels ?? {};
    this.current = { namespace: namespaceName(ns), release: 0, items: {}, fromCache: false };
  }

  static async open(client: KvClient, namespace: string, options: ConfigSubscriptionOptions = {}): Promise<KvConfigSubscription> {
    const sub = new KvConfigSubscription(client, parseNamespace(namespace), options);
    const revision = await sub.refresh();
    sub.watch = await client.watch({ prefix: namespacePrefix(sub.ns) }, { fromRevision: revision + 1 });
    void sub.follow(sub.watch);
    if (options.autoReport !== false && sub.current.release > 0) await sub.report(sub.current.release, 'applied');
    return sub;
  }

  get snapshot(): ConfigSnapshot {
    return this.current;
  }

  /** Reads current and gray, then the release meant for this instance; the revision read at. */
  private async refresh(): Promise<number> {
    const [current, gray] = await Promise.all([this.client.get(currentKey(this.ns)), this.client.get(grayKey(this.ns))]);
    const release = releaseFor(current?.json<CurrentRecord>(), gray?.json<GrayRecord>(), this.instance, this.labels);
    const revision = Math.max(current?.modRevision ?? 0, gray?.modRevision ?? 0);
    if (release === this.current.release) return revision;
    const record = release > 0 ? (await this.client.get(releaseKey(this.ns, release)))?.json<ReleaseRecord>() : undefined;
    this.current = { namespace: namespaceName(this.ns), release, items: record?.items ?? {}, fromCache: false };
    return revision;
  }

  private async follow(watch: Watch): Promise<void> {
    const watched = new Set([currentKey(this.ns), grayKey(this.ns)]);
    try {
      for await (const event of watch) {
        if (!watched.has(event.kv.keyString)) continue;
        const before = this.current.release;
        await this.refresh();
        if (this.current.release === before) continue;
        for (const q of this.queues) q.push([this.current]);
        if (this.options.autoReport !== false) await this.report(this.current.release, 'applied');
      }
    } catch (e) {
      if (!this.closed) for (const q of this.queues) q.finish(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async report(release: number, state: 'applied' | 'rejected', reason?: string): Promise<void> {
    if (this.closed) return;
    this.lease ??= await this.client.grant(APPLIED_TTL_SECONDS);
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
    await this.client.put(appliedKey(this.ns, this.instance), JSON.stringify(record), { lease: this.lease.id });
  }

  [Symbol.asyncIterator](): AsyncIterator<ConfigSnapshot> {
    const q: EventQueue<ConfigSnapshot> = new EventQueue<ConfigSnapshot>({
      highWater: Number.POSITIVE_INFINITY,
      lowWater: 0,
      onDrained: () => undefined,
      onReturn: () => this.queues.delete(q),
    });
    if (this.closed) q.finish();
    else this.queues.add(q);
    return q;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queues) q.finish();
    this.queues.clear();
    await this.watch?.close();
    await this.lease?.revoke().catch(() => undefined);
  }
}
