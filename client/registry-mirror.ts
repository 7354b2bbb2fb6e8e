// A live copy of one service's registry keys — its instances, their checks' states and its settings —
// from a read of the service's three spans at one revision and a watch of each from the revision
// after it. Only the service's own keys are watched, so a change to one service wakes none of the
// watchers of the others. Changes are handed on a turn of the event loop after they arrive, so the
// keys one transaction wrote (an instance and its checks' states) are usually seen together; when
// an instance arrives a moment before its checks' states, its checks count as in their initial
// state, which is critical unless registered otherwise. While a watch has lost its stream the copy
// is marked stale; if a watch cannot resume (compacted, or failed for good), the spans are read
// again and the differences are handed on as changes.
import { HEALTH_PREFIX, parseRegistryKey, SERVICES_PREFIX, settingsKey, type RegistryKey } from '../registry/layout.js';
import type { KeyRange } from './bytes.js';
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
  private watches: Watch[] = [];
  private closed = false;
  private running: Promise<void> | undefined;
  private pending: NodeJS.Immediate | undefined;
  private lost = false;
  private offConnection: (() => void)[] = [];

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

  /** The service's instances, its checks' states, and its settings key. */
  private spans(): KeyRange[] {
    const settings = settingsKey(this.service);
    return [{ prefix: `${SERVICES_PREFIX}${this.service}/` }, { prefix: `${HEALTH_PREFIX}${this.service}/` }, { from: settings, to: `${settings}\0` }];
  }

  private ours(kv: KeyValue): RegistryKey | undefined {
    const parsed = parseRegistryKey(toText(kv.key));
    return parsed?.service === this.service ? parsed : undefined;
  }

  private async load(): Promise<void> {
    const [first, ...rest] = this.spans();
    const head = await this.client.range(first!);
    // The other spans at the first one's revision: one consistent picture of the service.
    const tail = await Promise.all(rest.map((span) => this.client.range({ ...span, revision: head.revision })));
    let changed = false;
    const seen = new Set<string>();
    for (const kv of [head, ...tail].flatMap((r) => r.kvs)) {
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
    this.revision = head.revision;
    const watches: Watch[] = [];
    try {
      for (const span of this.spans()) watches.push(await this.client.watch(span, { fromRevision: head.revision + 1 }));
    } catch (e) {
      await Promise.allSettled(watches.map((w) => w.close()));
      throw e;
    }
    if (this.closed) await Promise.allSettled(watches.map((w) => w.close()));
    this.watches = watches;
    for (const off of this.offConnection) off();
    this.offConnection = watches.map((w) => w.onConnection(() => this.setLost(this.watches.some((x) => !x.connected))));
    this.setLost(watches.some((w) => !w.connected));
    if (changed) this.listener.changed(this.revision);
  }

  private setLost(lost: boolean): void {
    if (lost === this.lost || this.closed) return;
    this.lost = lost;
    this.listener.stale(lost);
  }

  /** Applies one watch's events until it ends: normally (closed), or with the error that ended it. */
  private async apply(watch: Watch): Promise<void> {
    for await (const e of watch) {
      this.revision = Math.max(this.revision, e.revision);
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
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const watches = this.watches;
      // The first watch to fail ends them all: the spans are then read again together.
      const failed = await new Promise<unknown>((resolve) => {
        let ended = 0;
        for (const w of watches) {
          this.apply(w).then(
            () => {
              if (++ended === watches.length) resolve(undefined);
            },
            (e: unknown) => resolve(e ?? new Error('watch failed')),
          );
        }
      });
      if (failed === undefined || this.closed || isClientError(failed, 'LODESTONE_CLIENT_CLOSED')) return;
      await Promise.allSettled(watches.map((w) => w.close()));
      this.setLost(true);
      // Compacted: read afresh at once. Anything else: after a back-off.
      if (!(failed instanceof WatchCompactedError)) await sleep(backoffDelay(failures++));
      for (;;) {
        if (this.closed) return;
        try {
          await this.load();
          failures = 0;
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
    for (const off of this.offConnection) off();
    await Promise.allSettled(this.watches.map((w) => w.close()));
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
