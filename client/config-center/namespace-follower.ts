// The keys of a namespace that decide which release an instance runs — `current`, `gray` and the
// release records they name — read once and kept current by one watch over the namespace's keys
// from `current` up to the end of `releases/`. That span leaves out `applied/` (every running
// instance writes its own record there: watching it would wake every subscriber for each other
// instance's record) and `schema`; the release history is not read, only the records needed, so a
// long history costs a subscriber nothing. If the watch cannot resume (compacted, or failed for
// good), the keys are read again.
import { currentKey, grayKey, namespacePrefix, releaseKey, releasesPrefix, type CurrentRecord, type GrayRecord, type Namespace, type ReleaseRecord } from '../../configcenter/layout.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { toText } from '../bytes.js';
import { isClientError, WatchCompactedError } from '../errors.js';
import type { KeyValue } from '../key-value.js';
import type { KvClient, Watch } from '../kv-client.js';
import { backoffDelay } from '../retry.js';
import { Op } from '../txn-builder.js';

export interface NamespaceRecords {
  readonly current: CurrentRecord | undefined;
  readonly gray: GrayRecord | undefined;
  /** Release records by number: at least those of `current` and `gray` once they are read. */
  readonly releases: ReadonlyMap<number, ReleaseRecord>;
}

function parsed<T>(kv: KeyValue | undefined, valid: (v: Record<string, unknown>) => boolean): T | undefined {
  if (!kv || kv.value.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(toText(kv.value));
    return typeof v === 'object' && v !== null && typeof (v as { release?: unknown }).release === 'number' && valid(v as Record<string, unknown>) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

const asCurrent = (kv: KeyValue | undefined): CurrentRecord | undefined => parsed<CurrentRecord>(kv, () => true);
const asGray = (kv: KeyValue | undefined): GrayRecord | undefined => parsed<GrayRecord>(kv, (v) => typeof v['selector'] === 'object' && v['selector'] !== null);
const asRelease = (kv: KeyValue | undefined): ReleaseRecord | undefined => parsed<ReleaseRecord>(kv, (v) => typeof v['items'] === 'object' && v['items'] !== null);

export class NamespaceFollower implements NamespaceRecords {
  current: CurrentRecord | undefined;
  gray: GrayRecord | undefined;
  readonly releases = new Map<number, ReleaseRecord>();
  private watch: Watch | undefined;
  private closed = false;
  private running: Promise<void> | undefined;
  private pending: NodeJS.Immediate | undefined;

  private constructor(
    private readonly client: KvClient,
    private readonly ns: Namespace,
    private readonly onChange: () => void,
  ) {}

  /** Reads the keys (resolves once they are read) and follows them; onChange is called after each change. */
  static async open(client: KvClient, ns: Namespace, onChange: () => void): Promise<NamespaceFollower> {
    const f = new NamespaceFollower(client, ns, onChange);
    await f.load();
    f.running = f.follow();
    return f;
  }

  private async load(): Promise<void> {
    const res = await this.client.txn().then(Op.get(currentKey(this.ns)), Op.get(grayKey(this.ns))).commit();
    const [c, g] = res.results;
    this.current = asCurrent(c?.kind === 'get' ? c.kv : undefined);
    this.gray = asGray(g?.kind === 'get' ? g.kv : undefined);
    await this.fetchNeeded();
    const watch = await this.client.watch({ from: currentKey(this.ns), to: prefixEnd(new TextEncoder().encode(releasesPrefix(this.ns))) }, { fromRevision: res.revision + 1 });
    if (this.closed) await watch.close();
    this.watch = watch;
  }

  /** The release records `current` and `gray` name, read if the copy lacks them; the others dropped. */
  private async fetchNeeded(): Promise<void> {
    const needed = [this.current?.release, this.gray?.release].filter((n): n is number => n !== undefined && n > 0);
    for (const n of needed) {
      if (this.releases.has(n)) continue;
      const rec = asRelease(await this.client.get(releaseKey(this.ns, n)));
      if (rec) this.releases.set(n, rec);
    }
    for (const n of [...this.releases.keys()]) if (!needed.includes(n)) this.releases.delete(n);
  }

  private apply(kv: KeyValue, put: boolean): void {
    const name = toText(kv.key).slice(namespacePrefix(this.ns).length);
    if (name === 'current') this.current = put ? asCurrent(kv) : undefined;
    else if (name === 'gray') this.gray = put ? asGray(kv) : undefined;
    else if (name.startsWith('releases/') && put) {
      const rec = asRelease(kv);
      if (rec) this.releases.set(rec.release, rec);
    } else return;
    // The keys of one transaction come as several events: decided once they are all in.
    this.pending ??= setImmediate(() => {
      this.pending = undefined;
      void this.changed();
    });
  }

  private async changed(): Promise<void> {
    try {
      await this.fetchNeeded();
    } catch {
      // The records are read again with the next change, or the next load.
    }
    if (!this.closed) this.onChange();
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        for await (const e of this.watch!) {
          this.apply(e.kv, e.type === 'put');
          failures = 0;
        }
        return; // closed
      } catch (e) {
        if (this.closed || isClientError(e, 'LODESTONE_CLIENT_CLOSED')) return;
        if (!(e instanceof WatchCompactedError)) await sleep(backoffDelay(failures++));
      }
      for (;;) {
        if (this.closed) return;
        try {
          await this.load();
          this.onChange();
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
    await this.watch?.close();
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
