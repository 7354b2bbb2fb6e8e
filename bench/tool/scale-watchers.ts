// The registry-scale workload's watchers, as an application keeps them: each one a
// `discover(service, { passing: true })` through the typed client, which follows the service's
// instances and their checks' states, so a watcher sees an instance removed when it leaves or its
// check turns critical. Each records its process as a consumer, as discover() does by default.
// Watchers are spread over the members: a client per member, preferring it and failing over to
// the others.
import { connect } from '../../client/connect.js';
import type { KvClient } from '../../client/kv-client.js';
import { discover, type Discovery } from '../../client/registry.js';

/** Called when watcher `watcher` sees instance `id` of `service` gone or critical. */
export type GoneListener = (watcher: number, service: string, id: string) => void;


export class ScaleWatchers {
  private readonly watchers: Discovery[] = [];
  private readonly done: Promise<void>[] = [];

  private constructor(
    private readonly clients: readonly KvClient[],
    /** The service each watcher follows. */
    readonly serviceOf: readonly string[],
  ) {}

  /** Opens a watcher per entry of `services`, watcher w on member w mod members. */
  static async open(endpoints: readonly string[], services: readonly string[], onGone: GoneListener): Promise<ScaleWatchers> {
    const clients: KvClient[] = [];
    for (const [m] of endpoints.entries()) {
      const preferred = [...endpoints.slice(m), ...endpoints.slice(0, m)];
      clients.push(await connect({ endpoints: preferred, connectTimeoutMs: 30_000 }));
    }
    const w = new ScaleWatchers(clients, services);
    try {
      // A few at a time: each is three reads, three watches and a consumer lease on a member.
      const OPENING = 32;
      for (let start = 0; start < services.length; start += OPENING) {
        await Promise.all(services.slice(start, start + OPENING).map((service, i) => w.add(start + i, service, onGone)));
      }
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  get count(): number {
    return this.watchers.length;
  }

  /** The watchers following `service`. */
  watchersOf(service: string): number[] {
    return this.serviceOf.flatMap((s, w) => (s === service ? [w] : []));
  }

  private async add(index: number, service: string, onGone: GoneListener): Promise<void> {
    const client = this.clients[index % this.clients.length]!;
    const discovery = await discover(client, service, { passing: true, consumer: 'bench-watcher' });
    this.watchers.push(discovery);
    this.done.push(
      (async () => {
        for await (const change of discovery) if (change.type === 'removed') onGone(index, service, change.instance);
      })().catch(() => undefined),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.watchers.map((w) => w.close()));
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled(this.done);
  }
}
