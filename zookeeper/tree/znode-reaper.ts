// ZooKeeper's ContainerManager: on the leader, now and then, deletes the containers that have had a
// child and have none now, and the TTL znodes without children left unmodified for their TTL. Each
// deletion is a guarded txn, so a child created meanwhile (or a setData on a TTL znode) saves it.
import type { ZNodeTree } from './znode-tree.js';
import type { ZNodeState } from './znode-state.js';

export interface ZNodeReaperOptions {
  /** Only the leader reaps, so the members do not race each other for the same znodes. */
  readonly isLeader: () => boolean;
  readonly intervalMs?: number;
  /** Told of a failed pass (the next pass tries again). */
  readonly onError?: (error: unknown) => void;
}

/** Whether a znode (with no children, which the tree checks) is to be reaped at `now`. */
export function isIdle(s: ZNodeState, now: number): boolean {
  if (s.meta.kind === 'container') return s.cversion > 0;
  if (s.meta.kind === 'ttl') return s.meta.ttlMs !== undefined && s.meta.ttlMs !== 0 && now - s.meta.mtime > s.meta.ttlMs;
  return false;
}

export class ZNodeReaper {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly tree: ZNodeTree,
    private readonly options: ZNodeReaperOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined || !this.options.isLeader()) return;
      this.running = this.pass()
        .then(() => undefined)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: the paths it deleted. */
  async pass(): Promise<string[]> {
    const deleted: string[] = [];
    for (const { path } of await this.tree.reapCandidates()) {
      if (await this.tree.deleteIfIdle(path, isIdle)) deleted.push(path);
    }
    return deleted;
  }
}
