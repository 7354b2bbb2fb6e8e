// The registry-scale workload's watchers, as an application keeps them: each one a `discover()` of
// one service through the typed client (which follows the service's instances), plus a watch of
// the service's health keys (discover() reads instances only), so a watcher notices an instance
// either leaving or its check turning critical. Watchers are spread over the members: a client per
// member, preferring it and failing over to the others.
import { connect } from '../../client/connect.js';
import type { KvClient, Watch } from '../../client/kv-client.js';
import { discover, type Discovery } from '../../client/registry.js';
import { HEALTH_PREFIX } from '../../registry/layout.js';

/** Called when watcher `watcher` sees instance `id` of `service` gone or critical. */
export type GoneListener = (watcher: number, service: string, id: string) => void;

interface OneWatcher {
  readonly discovery: Discovery<unknown>;
  readonly health: Watch;
}

export class ScaleWatchers {
  private readonly watchers: OneWatcher[] = [];
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
      // A few at a time: each is a read and two watches on a member.
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
    const discovery = await discover(client, service);
    const healthPrefix = `${HEALTH_PREFIX}${service}/`;
    const health = await client.watch({ prefix: healthPrefix });
    this.watchers.push({ discovery, health });
    this.done.push(
      (async () => {
        for await (const change of discovery) if (change.type === 'removed') onGone(index, service, change.instance);
      })().catch(() => undefined),
      (async () => {
        for await (const event of health) {
          if (event.type !== 'put') continue;
          const id = event.kv.keyString.slice(healthPrefix.length).split('/')[0] ?? '';
          if (isCritical(event.kv.value)) onGone(index, service, id);
        }
      })().catch(() => undefined),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.watchers.flatMap((w) => [w.discovery.close(), w.health.close()]));
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled(this.done);
  }
}

function isCritical(value: Uint8Array): boolean {
  try {
    return (JSON.parse(new TextDecoder().decode(value)) as { status?: unknown }).status === 'critical';
  } catch {
    return false;
  }
}
