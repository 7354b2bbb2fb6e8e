// The config-delivery workload's subscribers, as applications keep them: `client.subscribeConfig()`
// on one namespace, spread over typed clients (a client per hundred subscriptions, each preferring
// a member in turn, as ScaleWatchers spreads discover() watchers). Each subscription records when
// each release's snapshot reached it (performance.now()), so a publish can be timed to every one.
import { connect } from '../../client/connect.js';
import type { Client } from '../../client/client.js';
import type { ConfigSubscription } from '../../client/config-center/subscription.js';

const SUBSCRIPTIONS_PER_CLIENT = 100;
/** Subscriptions opened at once: each is a read, a watch, and its applied record under a new lease. */
const OPENING = 32;

export class ConfigSubscribers {
  private readonly subscriptions: ConfigSubscription[] = [];
  private readonly loops: Promise<void>[] = [];
  /** Per release, the arrival time of its snapshot at each subscription that got it. */
  private readonly arrivals = new Map<number, number[]>();

  private constructor(private readonly clients: readonly Client[]) {}

  /** `count` subscriptions to `ns`, subscription s on client s mod clients. */
  static async open(endpoints: readonly string[], ns: string, count: number): Promise<ConfigSubscribers> {
    const clientCount = Math.max(endpoints.length, Math.ceil(count / SUBSCRIPTIONS_PER_CLIENT));
    const clients: Client[] = [];
    const s = new ConfigSubscribers(clients);
    try {
      for (let c = 0; c < clientCount; c++) {
        const m = c % endpoints.length;
        clients.push(await connect({ endpoints: [...endpoints.slice(m), ...endpoints.slice(0, m)], connectTimeoutMs: 30_000 }));
      }
      for (let start = 0; start < count; start += OPENING) {
        const batch = Array.from({ length: Math.min(OPENING, count - start) }, (_, i) => start + i);
        await Promise.all(batch.map((i) => s.add(clients[i % clients.length]!, ns, i)));
      }
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  get count(): number {
    return this.subscriptions.length;
  }

  get clientCount(): number {
    return this.clients.length;
  }

  private async add(client: Client, ns: string, index: number): Promise<void> {
    const sub = await client.subscribeConfig(ns, { cacheDir: false, instance: `bench-${process.pid}-${index}` });
    this.subscriptions.push(sub);
    this.loops.push(
      (async () => {
        for await (const snapshot of sub) {
          const at = performance.now();
          let list = this.arrivals.get(snapshot.release);
          if (!list) this.arrivals.set(snapshot.release, (list = []));
          list.push(at);
        }
      })().catch(() => undefined),
    );
  }

  /** Subscriptions whose snapshot of `release` has arrived. */
  received(release: number): number {
    return this.arrivals.get(release)?.length ?? 0;
  }

  /** Arrival times of `release` at the subscriptions it reached; forgotten afterwards. */
  take(release: number): number[] {
    const list = this.arrivals.get(release) ?? [];
    this.arrivals.delete(release);
    return list;
  }

  /** Waits until every subscription has `release` (or `limitMs` passed). */
  async reached(release: number, limitMs: number): Promise<boolean> {
    const end = performance.now() + limitMs;
    while (this.received(release) < this.subscriptions.length) {
      if (performance.now() > end) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.close()));
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled(this.loops);
  }
}
