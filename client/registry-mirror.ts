// A live copy of one service's registry keys — its instances, their checks' states and its settings —
// from one read of the registry's range (registry/layout.ts registryRange: the three kinds of keys
// sort next to each other) and one watch from the revision after it, keeping only the service's
// keys. Changes are handed on a turn of the event loop after they arrive, so the keys one
// transaction wrote (an instance and its checks' states) are seen together. While the watch has
// lost its stream the copy is marked stale; if the watch cannot resume (compacted, or failed for
// good), the range is read again and the differences are handed on as changes.
import { parseRegistryKey, registryRange, type RegistryKey } from '../registry/layout.js';
import { toText } from './bytes.js';
import { isClientError, WatchCompactedError } from './errors.js';
import type { KeyValue } from './key-value.js';
import type { KvClient, Watch } from './kv-client.js';
import { backoffDelay } from './retry.js';

export interface MirrorListener {
  /** The service's keys changed (and the copy is current as of `revision`). */
  changed(revision: number): void;
  /** The copy stopped (true) or started again (false) following the cluster. */
  stale(stale: boolean): void;
}

export class RegistryMirror {
  /** The service's registry keys and their values. */
  readonly entries = new Map<string, { readonly parsed: RegistryKey; readonly kv: KeyValue }>();
  revision = 0;
  private watch: Watch | undefined;
  private closed = false;
  private running: Promise<void> | undefined;
  private pending: NodeJS.Immediate | undefined;
  private lost = false;
  private offConnection: (() => void) | undefined;

  private constructor(
    private readonly client: KvClient,
    readonly service: string,
    private readonly listener: MirrorListener,
  ) {}

  static async open(client: KvClient, service: string, listener: MirrorListener): Promise<RegistryMirror> {
    const m = new RegistryMirror(client, service, listener);
    await m.load();
    m.running = m.follow();
    return m;
  }

  private range(): { readonly from: Uint8Array; readonly to: Uint8Array } {
    const r = registryRange();
    return { from: r.key, to: r.rangeEnd };
  }

  private ours(kv: KeyValue): RegistryKey | undefined {
    const parsed = parseRegistryKey(toText(kv.key));
    return parsed?.service === this.service ? parsed : undefined;
  }

  private async load(): Promise<void> {
    const res = await this.client.range(this.range());
    let changed = false;
    const seen = new Set<string>();
    for (const kv of res.kvs) {
      const parsed = this.ours(kv);
      if (!parsed) continue;
      const key = toText(kv.key);
      seen.add(key);
      if (this.entries.get(key)?.kv.modRevision !== kv.modRevision) {
        this.entries.set(key, { parsed, kv });
        changed = true;
      }
    }
    for (const key of [...this.entries.keys()]) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      changed = true;
    }
    this.revision = res.revision;
    const watch = await this.client.watch(this.range(), { fromRevision: res.revision + 1 });
    if (this.closed) await watch.close();
    this.watch = watch;
    this.offConnection?.();
    this.offConnection = watch.onConnection((connected) => this.setLost(!connected));
    this.setLost(!watch.connected);
    if (changed) this.listener.changed(this.revision);
  }

  private setLost(lost: boolean): void {
    if (lost === this.lost || this.closed) return;
    this.lost = lost;
    this.listener.stale(lost);
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        for await (const e of this.watch!) {
          failures = 0;
          this.revision = e.revision;
          const parsed = this.ours(e.kv);
          if (!parsed) continue;
          const key = toText(e.kv.key);
          if (e.type === 'put') this.entries.set(key, { parsed, kv: e.kv });
          else this.entries.delete(key);
          this.pending ??= setImmediate(() => {
            this.pending = undefined;
            if (!this.closed) this.listener.changed(this.revision);
          });
        }
        return; // closed
      } catch (e) {
        if (this.closed || isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
        this.setLost(true);
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

  async close(): Promise<void> {
    this.closed = true;
    clearImmediate(this.pending);
    this.offConnection?.();
    await this.watch?.close();
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
