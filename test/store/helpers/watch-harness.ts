// A store with a watch hub, wired as a member wires them: each applied batch asks for prevKv when a
// watcher wants it, then notifies the hub. Plus a sink that records what it is given.
import type { ApplyItem } from '../../../store/mvcc/mvcc-store.js';
import type { MvccEvent, PutRequest, WriteRequest } from '../../../store/mvcc/types.js';
import type { WatchSink } from '../../../store/watch/types.js';
import { WatchHub, type WatchableStore } from '../../../store/watch/watch-hub.js';
import type { WatchHubOptions } from '../../../store/watch/types.js';
import { MvccHarness, str } from './mvcc-harness.js';

export class WatchHarness {
  /** Every event applied, in order, as applyBatch returned them (with prevKv). */
  readonly log: MvccEvent[] = [];

  private constructor(
    readonly h: MvccHarness,
    readonly hub: WatchHub,
  ) {}

  /** `wrap` may put something between the hub and the store (to interleave writes with its reads). */
  static async create(options: WatchHubOptions = {}, wrap: (store: WatchableStore) => WatchableStore = (s) => s): Promise<WatchHarness> {
    const h = await MvccHarness.create();
    return new WatchHarness(h, new WatchHub(wrap(h.store), options));
  }

  /** Applies requests as one batch of entries, then notifies the hub. */
  async apply(...requests: WriteRequest[]): Promise<void> {
    const start = this.h.store.appliedIndex + 1;
    const items: ApplyItem[] = requests.map((request, i) => ({ index: start + i, request }));
    const outcomes = await this.h.store.applyBatch(items, { sync: false, eventsWithPrevKv: this.hub.wantsPrevKv() });
    const events: MvccEvent[] = [];
    for (const o of outcomes) if (o.status === 'applied') events.push(...o.events);
    this.log.push(...events);
    this.hub.notify(events, this.h.store.revision);
  }

  put(key: string, value: string): Promise<void> {
    return this.apply(putReq(key, value));
  }

  del(key: string, rangeEnd?: string): Promise<void> {
    return this.apply({ type: 'deleteRange', request: { key: Buffer.from(key, 'latin1'), ...(rangeEnd ? { rangeEnd: Buffer.from(rangeEnd, 'latin1') } : {}) } });
  }

  async destroy(): Promise<void> {
    this.hub.close();
    await this.h.destroy();
  }
}

export function putReq(key: string, value: string): { readonly type: 'put'; readonly request: PutRequest } {
  return { type: 'put', request: { key: Buffer.from(key, 'latin1'), value: Buffer.from(value, 'latin1') } };
}

/** An event as "put k=v@rev" / "delete k@rev", with " <prev v>" when it has prevKv. */
export function showEvent(e: MvccEvent): string {
  const base = e.type === 'put' ? `put ${str(e.kv.key)}=${str(e.kv.value)}@${e.kv.modRevision}` : `delete ${str(e.kv.key)}@${e.kv.modRevision}`;
  return e.prevKv ? `${base} <${str(e.prevKv.value)}>` : base;
}

/** Records what reaches it; `accept` decides what onEvents answers. */
export class RecordingSink implements WatchSink {
  readonly calls: MvccEvent[][] = [];
  /** The throughRevision of each call (undefined where not given). */
  readonly through: (number | undefined)[] = [];
  compacted: number | undefined;
  accept: (events: readonly MvccEvent[]) => boolean = () => true;

  onEvents(events: readonly MvccEvent[], throughRevision?: number): boolean {
    this.calls.push([...events]);
    this.through.push(throughRevision);
    return this.accept(events);
  }

  onCompacted(compactRevision: number): void {
    this.compacted = compactRevision;
  }

  get events(): MvccEvent[] {
    return this.calls.flat();
  }

  get shown(): string[] {
    return this.events.map(showEvent);
  }
}
