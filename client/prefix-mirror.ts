// A live copy of every key under a prefix: read once, then kept current by a watch from the revision
// after that read — nothing changes between the two unseen. The first read is reported as changes
// too (before open() resolves), so its owner builds its state from one stream of changes. If the watch cannot resume (its revision
// was compacted, or it failed for good), the prefix is read again and the differences are reported as
// changes, so the copy never silently drifts.
import { toText } from './bytes.js';
import { isClientError, WatchCompactedError } from './errors.js';
import type { KeyValue } from './key-value.js';
import type { KvClient, Watch } from './kv-client.js';
import { backoffDelay } from './retry.js';

export interface MirrorChange {
  /** The key less the prefix. */
  readonly name: string;
  /** The key's value after the change; undefined when it was deleted. */
  readonly kv: KeyValue | undefined;
  readonly revision: number;
}

export class PrefixMirror {
  /** The keys under the prefix (less the prefix) and their values. */
  readonly entries = new Map<string, KeyValue>();
  /** The revision the copy is current as of. */
  revision = 0;
  private watch: Watch | undefined;
  private closed = false;
  private running: Promise<void> | undefined;

  private constructor(
    private readonly client: KvClient,
    readonly prefix: string,
    private readonly onChanges: (changes: readonly MirrorChange[]) => void,
  ) {}

  static async open(client: KvClient, prefix: string, onChanges: (changes: readonly MirrorChange[]) => void): Promise<PrefixMirror> {
    const m = new PrefixMirror(client, prefix, onChanges);
    await m.load();
    m.running = m.follow();
    return m;
  }

  /** Reads the prefix, reports what differs from the copy, and opens a watch from the next revision. */
  private async load(): Promise<void> {
    const res = await this.client.range({ prefix: this.prefix });
    const seen = new Set<string>();
    const changes: MirrorChange[] = [];
    for (const kv of res.kvs) {
      const name = this.nameOf(kv);
      seen.add(name);
      const had = this.entries.get(name);
      if (!had || had.modRevision !== kv.modRevision) {
        this.entries.set(name, kv);
        changes.push({ name, kv, revision: kv.modRevision });
      }
    }
    for (const name of [...this.entries.keys()]) {
      if (seen.has(name)) continue;
      this.entries.delete(name);
      changes.push({ name, kv: undefined, revision: res.revision });
    }
    this.revision = res.revision;
    const watch = await this.client.watch({ prefix: this.prefix }, { fromRevision: res.revision + 1 });
    if (this.closed) await watch.close();
    this.watch = watch;
    if (changes.length > 0) this.onChanges(changes);
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        for await (const e of this.watch!) {
          const name = this.nameOf(e.kv);
          if (e.type === 'put') this.entries.set(name, e.kv);
          else this.entries.delete(name);
          this.revision = e.revision;
          failures = 0;
          this.onChanges([{ name, kv: e.type === 'put' ? e.kv : undefined, revision: e.revision }]);
        }
        return; // closed
      } catch (e) {
        if (this.closed || isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
        // Compacted: read afresh at once. Anything else: after a back-off.
        if (!(e instanceof WatchCompactedError)) await sleep(backoffDelay(failures++));
      }
      for (;;) {
        if (this.closed) return;
        try {
          await this.load();
          break;
        } catch (e) {
          if (isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
          await sleep(backoffDelay(failures++));
        }
      }
    }
  }

  private nameOf(kv: KeyValue): string {
    return toText(kv.key).slice(this.prefix.length);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
