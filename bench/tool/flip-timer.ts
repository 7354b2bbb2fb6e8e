// Times instances leaving discovery after their health endpoint goes down: from the moment the
// fleet turns them off until every watcher of their service has seen them leave or turn critical,
// and until every member's DNS (polled over UDP) has stopped answering their address.
import type { DnsPresence } from './dns-presence.js';
import type { PlannedInstance } from './scale-plan.js';
import type { ScaleWatchers } from './scale-watchers.js';

const DNS_POLL_MS = 50;

interface Pending {
  readonly since: number;
  /** Watchers still to see it go. */
  readonly waiting: Set<number>;
  everyWatcherAt: number | undefined;
  resolve: (() => void) | undefined;
}

export interface FlipOutcome {
  readonly instance: PlannedInstance;
  /** From the flip until the last of its service's watchers saw it go; undefined: not all did in time. */
  readonly watchersMs: number | undefined;
  /** Watchers that never saw it go. */
  readonly watchersMissing: number;
  /** From the flip until the last member's DNS left it out; undefined: not all did in time. */
  readonly dnsMs: number | undefined;
}

export class FlipTimer {
  private readonly pending = new Map<string, Pending>();
  private watchers: ScaleWatchers | undefined;

  constructor(
    private readonly dns: DnsPresence,
    private readonly dnsName: (service: string) => string,
  ) {}

  attach(watchers: ScaleWatchers): void {
    this.watchers = watchers;
  }

  /** The watchers' listener (ScaleWatchers.open's onGone). */
  readonly seen = (watcher: number, _service: string, id: string): void => {
    const p = this.pending.get(id);
    if (!p || !p.waiting.delete(watcher) || p.waiting.size > 0) return;
    p.everyWatcherAt = performance.now();
    p.resolve?.();
  };

  /** Whether every DNS port answers the instance now (it is passing everywhere): worth timing. */
  async answeredEverywhere(instance: PlannedInstance, dnsPorts: readonly number[]): Promise<boolean> {
    for (const port of dnsPorts) {
      const found = await this.dns.addresses(port, this.dnsName(instance.service));
      if (!found?.has(instance.address)) return false;
    }
    return true;
  }

  /**
   * Turns the instances off with `turnOff` (called once, at the start of the clock) and waits until
   * each is gone everywhere or `timeoutMs` passes.
   */
  async time(instances: readonly PlannedInstance[], dnsPorts: readonly number[], timeoutMs: number, turnOff: () => void | Promise<void>): Promise<FlipOutcome[]> {
    const watchers = this.watchers;
    if (!watchers) throw new Error('FlipTimer: no watchers attached');
    const since = performance.now();
    for (const instance of instances) {
      this.pending.set(instance.id, { since, waiting: new Set(watchers.watchersOf(instance.service)), everyWatcherAt: undefined, resolve: undefined });
    }
    await turnOff();
    const deadline = since + timeoutMs;
    const outcomes = await Promise.all(
      instances.map(async (instance): Promise<FlipOutcome> => {
        const p = this.pending.get(instance.id)!;
        const [dnsAt] = await Promise.all([this.dnsGone(instance, dnsPorts, deadline), this.watchersGone(p, deadline)]);
        return {
          instance,
          watchersMs: p.everyWatcherAt === undefined ? undefined : p.everyWatcherAt - since,
          watchersMissing: p.waiting.size,
          dnsMs: dnsAt === undefined ? undefined : dnsAt - since,
        };
      }),
    );
    for (const instance of instances) this.pending.delete(instance.id);
    return outcomes;
  }

  private watchersGone(p: Pending, deadline: number): Promise<void> {
    if (p.waiting.size === 0) {
      p.everyWatcherAt ??= performance.now();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
      p.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** When the last of the members' DNS stopped answering the instance's address. */
  private async dnsGone(instance: PlannedInstance, dnsPorts: readonly number[], deadline: number): Promise<number | undefined> {
    const at = await Promise.all(
      dnsPorts.map(async (port) => {
        while (performance.now() < deadline) {
          const found = await this.dns.addresses(port, this.dnsName(instance.service));
          if (found && !found.has(instance.address)) return performance.now();
          await new Promise((r) => setTimeout(r, DNS_POLL_MS));
        }
        return undefined;
      }),
    );
    return at.some((t) => t === undefined) ? undefined : Math.max(...(at as number[]));
  }
}
