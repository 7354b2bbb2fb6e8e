// Each member's copy of the keys under /lodestone/checks/ (check-keys.ts): which members run checks
// now, and which TTL checks have a live clock. One read, then a watch, as the registry's view.
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { WatchBackend } from '../../rpc/watch-backend.js';
import type { Compare, KeyValue, MvccEvent } from '../../store/mvcc/types.js';
import type { Watcher } from '../../store/watch/types.js';
import { CHECKS_PREFIX, parseChecksKey, prefixRange, RUNNERS_PREFIX } from './check-keys.js';

/** How long to wait before reading again after the watch failed (a learner is refused watches). */
const RESTART_MS = 1000;

const decoder = new TextDecoder();

export interface RunnerEntry {
  readonly lease: bigint;
  readonly modRevision: number;
}

export interface ChecksKeysListener {
  /** The set of members running checks changed. */
  runnersChanged(): void;
  /** A TTL check's clock ran out (its key was deleted with its lease). */
  ttlExpired(checkId: string): void;
}

export class ChecksKeysView {
  private readonly runnerKeys = new Map<number, RunnerEntry>();
  private readonly ttlLeases = new Map<string, bigint>();
  private watcher: Watcher | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private loaded = false;
  /** The highest revision a runner key was put at: writes are fenced on no later put. */
  private runnersPut = 0;

  constructor(
    private readonly kv: KvBackend,
    private readonly watch: WatchBackend,
    private readonly listener: ChecksKeysListener,
  ) {}

  start(): void {
    void this.load().catch(() => this.restart(RESTART_MS));
  }

  close(): void {
    this.closed = true;
    this.watcher?.cancel();
    clearTimeout(this.restartTimer);
  }

  /** Members whose runner key is live, as this member last saw. */
  liveMembers(): number[] {
    return [...this.runnerKeys.keys()];
  }

  runner(memberId: number): RunnerEntry | undefined {
    return this.runnerKeys.get(memberId);
  }

  ttlLease(checkId: string): bigint | undefined {
    return this.ttlLeases.get(checkId);
  }

  get ready(): boolean {
    return this.loaded;
  }

  /**
   * Holds a write to what the live set, as seen here, makes this member own: no runner key was put
   * since (a member that joined or came back may own it now) and this member's own key is still on
   * `ownLease` (it did not expire). A key deleted since only removes a member, which moves none of
   * the checks this member owns (rendezvous hashing), so deletions need no fence.
   */
  fence(ownKey: Uint8Array, ownLease: bigint): Compare[] {
    const runners = prefixRange(RUNNERS_PREFIX);
    return [
      { target: 'lease', lease: ownLease, result: 'equal', key: ownKey },
      { target: 'mod', modRevision: this.runnersPut + 1, result: 'less', key: runners.key, rangeEnd: runners.rangeEnd },
    ];
  }

  private async load(): Promise<void> {
    const range = prefixRange(CHECKS_PREFIX);
    const read = await this.kv.range(range, true);
    if (this.closed) return;
    const hadTtl = new Set(this.ttlLeases.keys());
    this.runnerKeys.clear();
    this.ttlLeases.clear();
    for (const kv of read.kvs) this.put(kv);
    this.loaded = true;
    this.listener.runnersChanged();
    // Clocks that ran out while the watch was down.
    for (const checkId of hadTtl) if (!this.ttlLeases.has(checkId)) this.listener.ttlExpired(checkId);
    this.follow(read.revision + 1);
  }

  private follow(from: number): void {
    const range = prefixRange(CHECKS_PREFIX);
    try {
      this.watcher = this.watch.watch(
        { ...range, startRevision: from, prevKv: false, noPut: false, noDelete: false },
        {
          onEvents: (events) => {
            this.onEvents(events);
            return true;
          },
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
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.load().catch(() => this.restart(RESTART_MS)), delayMs);
  }

  private onEvents(events: readonly MvccEvent[]): void {
    let runners = false;
    const expired: string[] = [];
    for (const event of events) {
      const parsed = parseChecksKey(decoder.decode(event.kv.key));
      if (!parsed) continue;
      if (event.type === 'put') {
        this.put(event.kv);
        if (parsed.kind === 'runner') runners = true;
      } else if (parsed.kind === 'runner') {
        runners = this.runnerKeys.delete(parsed.memberId) || runners;
      } else if (this.ttlLeases.delete(parsed.checkId)) expired.push(parsed.checkId);
    }
    if (runners) this.listener.runnersChanged();
    for (const checkId of expired) this.listener.ttlExpired(checkId);
  }

  private put(kv: KeyValue): void {
    const parsed = parseChecksKey(decoder.decode(kv.key));
    if (parsed?.kind === 'runner') {
      this.runnerKeys.set(parsed.memberId, { lease: kv.lease, modRevision: kv.modRevision });
      this.runnersPut = Math.max(this.runnersPut, kv.modRevision);
    } else if (parsed?.kind === 'ttl') this.ttlLeases.set(parsed.checkId, kv.lease);
  }
}
