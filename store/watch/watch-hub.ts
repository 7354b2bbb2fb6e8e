// Serves many watchers on one member, as etcd's watchable store does. Watchers at the head of the
// history form the live set: after each applied batch the member calls notify(), and each batch's
// events go straight to the matching watchers (matched per group of identical watchers, through a
// span index, not per watcher). A watcher that is behind (it started in the past, its sink refused
// more, or the store jumped ahead by a snapshot) leaves the live set and is caught up from the
// store's history, a page at a time, by one background loop shared by all such watchers; once it
// has everything up to the notified revision it rejoins the live set in the same synchronous step,
// so that no revision is missed or repeated.
//
// Memory: the hub queues no events. A live watcher's events are handed over during notify(); a
// sink that cannot keep up says so and is dropped to history, which is read one page at a time.
import { CompactedError, StoreClosedError } from '../errors.js';
import { FROM_KEY, fromKeyString, toKeyString, type KeySpan } from '../mvcc/key-bytes.js';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import type { MvccEvent } from '../mvcc/types.js';
import { firstAtOrAfter, lacksPrevKv, passes, revisionBatches, revisionOf, withoutPrevKv } from './event-batches.js';
import { HubWatcher, type WatcherOwner } from './hub-watcher.js';
import { SpanIndex } from './span-index.js';
import type { WatchHubOptions, WatchSink, WatchSpec, Watcher } from './types.js';
import { groupId, specSpan, WatchGroup } from './watch-group.js';

const DEFAULT_BATCH_EVENTS = 1000;
const DEFAULT_PAGE_EVENTS = 1000;

type Group = WatchGroup<HubWatcher>;

/** The part of the store the hub reads. */
export type WatchableStore = Pick<MvccStore, 'revision' | 'compactRevision' | 'history'>;

export class WatchHub implements WatcherOwner {
  private readonly batchEvents: number;
  private readonly pageEvents: number;
  private rev: number;
  /** Groups with at least one watcher not ended, by id. */
  private readonly groups = new Map<string, { group: Group; refs: number }>();
  /** Groups with live members, by span. */
  private readonly live = new SpanIndex<Group>();
  /** Watchers to catch up, in the order they started waiting. */
  private readonly unsynced = new Set<HubWatcher>();
  private prevKvWatchers = 0;
  /** The catch-up loop while it runs. */
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: WatchableStore,
    options: WatchHubOptions = {},
  ) {
    this.batchEvents = Math.max(1, options.batchEvents ?? DEFAULT_BATCH_EVENTS);
    this.pageEvents = Math.max(1, options.pageEvents ?? DEFAULT_PAGE_EVENTS);
    this.rev = store.revision;
  }

  /** The revision of the last notify (the store's revision when the hub was made, before any). */
  get notifiedRevision(): number {
    return this.rev;
  }

  /** Watchers not ended, and how many of them are waiting to be caught up. */
  get stats(): { watchers: number; unsynced: number } {
    let watchers = 0;
    for (const { refs } of this.groups.values()) watchers += refs;
    return { watchers, unsynced: this.unsynced.size };
  }

  watch(spec: WatchSpec, sink: WatchSink): Watcher {
    if (this.closed) throw new StoreClosedError();
    const span = specSpan(spec);
    const group = this.groupFor(span, spec);
    const start = spec.startRevision > 0 ? spec.startRevision : this.rev + 1;
    const w = new HubWatcher(this, group, sink, start);
    if (spec.prevKv) this.prevKvWatchers++;
    if (start > this.rev) {
      w.minRev = start;
      this.joinLive(w);
    } else {
      if (start === this.store.compactRevision) w.startAtCompaction = start;
      // Compaction and history are looked at by the catch-up loop, after this call returns, so
      // that the caller can announce the watcher before anything reaches its sink.
      this.unsynced.add(w);
      this.kick();
    }
    return w;
  }

  /** After every applied batch: its events, in revision order, and the store's revision now. */
  notify(events: readonly MvccEvent[], revision: number): void {
    if (this.closed || revision < this.rev) return;
    if (!this.continues(events, revision)) {
      // Some revisions never came through notify: everyone live reads them from history.
      this.resyncLive();
      this.rev = revision;
      this.kick();
      return;
    }
    this.rev = revision;
    if (events.length > 0) this.deliverLive(events);
    if (this.unsynced.size > 0) this.kick();
  }

  /** The store's state was replaced (a snapshot installed): every live watcher catches up from it. */
  restored(): void {
    if (this.closed) return;
    this.resyncLive();
    this.rev = Math.max(this.rev, this.store.revision);
    this.kick();
  }

  /**
   * Resolves once the catch-up loop has nothing left to do: every watcher is live, paused or ended
   * (or a failed history read stopped the loop until the next notify).
   */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Whether some watcher wants prevKv (the member then asks applyBatch for events with prevKv). */
  wantsPrevKv(): boolean {
    return this.prevKvWatchers > 0;
  }

  /** Ends every watcher, telling no sink. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Paused watchers are in neither set; their status says ended once they are canceled or resumed.
    for (const { group } of this.groups.values()) for (const w of group.members) w.status = 'ended';
    for (const w of this.unsynced) w.status = 'ended';
    this.unsynced.clear();
    this.groups.clear();
    this.prevKvWatchers = 0;
  }

  // --- WatcherOwner ---

  resume(w: HubWatcher): void {
    if (w.status !== 'paused') return;
    if (this.closed) {
      w.status = 'ended';
      return;
    }
    w.status = 'unsynced';
    this.unsynced.add(w);
    this.kick();
  }

  cancel(w: HubWatcher): void {
    if (w.status === 'ended') return;
    if (this.closed) {
      w.status = 'ended';
      return;
    }
    if (w.status === 'live') {
      w.nextRev = this.rev + 1;
      this.leaveLive(w);
    }
    this.unsynced.delete(w);
    w.status = 'ended';
    if (w.group.prevKv) this.prevKvWatchers--;
    const entry = this.groups.get(w.group.id);
    if (entry && --entry.refs === 0) this.groups.delete(w.group.id);
  }

  // --- live delivery ---

  private deliverLive(events: readonly MvccEvent[]): void {
    const touched: Group[] = [];
    let stripped: (MvccEvent | undefined)[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      this.live.forEach(toKeyString(e.kv.key), (g) => {
        if (!passes(g, e)) return;
        if (g.matched.length === 0) touched.push(g);
        if (g.prevKv || e.prevKv === undefined) g.matched.push(e);
        else g.matched.push(((stripped ??= [])[i] ??= withoutPrevKv(e)));
      });
    }
    for (const g of touched) {
      const matched = g.matched;
      g.matched = [];
      // A copy: delivering may move members in and out of the group.
      for (const w of [...g.members]) this.deliverToLive(w, matched);
    }
  }

  private deliverToLive(w: HubWatcher, events: readonly MvccEvent[]): void {
    if (w.status !== 'live') return;
    let mine = events;
    if (w.minRev > revisionOf(mine[0]!)) {
      mine = mine.slice(firstAtOrAfter(mine, w.minRev));
      if (mine.length === 0) return;
    }
    if (w.group.prevKv) {
      const gap = mine.findIndex(lacksPrevKv);
      if (gap >= 0) {
        // From that revision on, read the events again from history, which fills prevKv.
        const from = revisionOf(mine[gap]!);
        const before = mine.slice(0, firstAtOrAfter(mine, from));
        if (before.length > 0 && !this.send(w, before)) return;
        if (w.status !== 'live') return;
        this.leaveLive(w);
        w.nextRev = from;
        w.status = 'unsynced';
        this.unsynced.add(w);
        return;
      }
    }
    if (!this.send(w, mine)) return;
  }

  /**
   * Hands events (whole revisions, in order) to the sink in batches, the last one with
   * `throughRevision` if given. Returns false if the watcher stopped on the way: ended (canceled, or
   * its sink threw) or paused (its sink refused more).
   */
  private send(w: HubWatcher, events: readonly MvccEvent[], throughRevision?: number): boolean {
    const batches = revisionBatches(events, this.batchEvents);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      let more: boolean;
      try {
        more = throughRevision !== undefined && i === batches.length - 1 ? w.sink.onEvents(batch, throughRevision) : w.sink.onEvents(batch);
      } catch {
        // A sink that throws cannot be trusted with more: the watcher ends.
        this.cancel(w);
        return false;
      }
      if (w.status === 'ended') return false;
      if (!more) {
        this.pause(w, revisionOf(batch[batch.length - 1]!) + 1);
        return false;
      }
    }
    return true;
  }

  private pause(w: HubWatcher, nextRev: number): void {
    if (w.status === 'live') this.leaveLive(w);
    this.unsynced.delete(w);
    w.nextRev = nextRev;
    w.status = 'paused';
  }

  // --- catching up ---

  private kick(): void {
    if (this.loop || this.closed || this.unsynced.size === 0) return;
    this.loop = this.catchUp();
  }

  /** Serves unsynced watchers until none is left; a failed read stops it until the next notify. */
  private async catchUp(): Promise<void> {
    try {
      // Nothing reaches a sink in the same turn as the call that made the watcher unsynced.
      await Promise.resolve();
      while (!this.closed && this.unsynced.size > 0) await this.catchUpRound();
    } catch {
      // The store failed or closed; watchers wait, and the next notify or resume tries again.
    } finally {
      this.loop = undefined;
    }
  }

  /**
   * One page of history for the watcher that has waited longest and every unsynced watcher at or
   * past its revision (they share the read); the others are served in later rounds, so a watcher far
   * behind does not hold up one that is nearly caught up. Watchers that want prevKv read apart from
   * the others, so that prevKv is looked up only over their spans.
   */
  private async catchUpRound(): Promise<void> {
    this.settleUnsynced();
    const anchor = this.unsynced.values().next().value;
    if (anchor === undefined) return;
    const from = anchor.nextRev;
    const prevKv = anchor.group.prevKv;
    const round = [...this.unsynced].filter((w) => w.nextRev >= from && w.group.prevKv === prevKv);
    const to = this.rev;
    const bounds = boundingSpan(round.map((w) => w.span));
    let page;
    try {
      page = await this.store.history({
        key: fromKeyString(bounds.start),
        ...(bounds.single ? {} : { rangeEnd: bounds.end === null ? FROM_KEY : fromKeyString(bounds.end) }),
        fromRevision: from,
        toRevision: to,
        limit: this.pageEvents,
        prevKv,
      });
    } catch (err) {
      // Compacted meanwhile: the next round ends the watchers concerned.
      if (err instanceof CompactedError) return;
      throw err;
    }
    const events = this.routeHistory(round, page.events);
    // Whoever this page brings up to the notified revision is told so with its last events.
    const through = page.nextRevision > this.rev ? this.rev : undefined;
    for (const w of round) {
      if (w.status !== 'unsynced') continue; // canceled while the page was read
      const mine = events.get(w);
      if (mine && mine.length > 0 && !this.send(w, mine, through)) continue;
      if (w.status !== 'unsynced') continue;
      w.nextRev = Math.max(w.nextRev, page.nextRevision);
      // Synchronously with the check: no notify can come between, so nothing is missed or repeated.
      if (w.nextRev > this.rev) this.rejoin(w);
    }
    // Served: to the back of the queue, behind watchers that waited longer.
    if (anchor.status === 'unsynced') {
      this.unsynced.delete(anchor);
      this.unsynced.add(anchor);
    }
  }

  /**
   * Ends the unsynced watchers whose next revision was compacted; rejoins those with nothing to read.
   * A watcher whose next revision is the compaction revision itself ends too (etcd carries on),
   * because the deletes of that revision went with the compaction: it would miss them silently.
   * Only a watcher asked to start there gets what that revision kept, as in etcd.
   */
  private settleUnsynced(): void {
    const compactRev = this.store.compactRevision;
    for (const w of [...this.unsynced]) {
      if (w.nextRev < compactRev || (w.nextRev === compactRev && w.nextRev !== w.startAtCompaction)) {
        this.cancel(w);
        try {
          w.sink.onCompacted(compactRev);
        } catch {
          // The watcher has ended either way.
        }
      } else if (w.nextRev > this.rev) {
        this.rejoin(w);
      }
    }
  }

  /** Each round watcher's events of a history page: from its own next revision, matching its span and filters. */
  private routeHistory(round: readonly HubWatcher[], events: readonly MvccEvent[]): Map<HubWatcher, MvccEvent[]> {
    const index = new SpanIndex<HubWatcher>();
    for (const w of round) index.add(w.span, w);
    const out = new Map<HubWatcher, MvccEvent[]>();
    for (const e of events) {
      const rev = revisionOf(e);
      index.forEach(toKeyString(e.kv.key), (w) => {
        if (rev < w.nextRev || !passes(w.group, e)) return;
        let list = out.get(w);
        if (list === undefined) out.set(w, (list = []));
        list.push(e);
      });
    }
    return out;
  }

  // --- group bookkeeping ---

  private groupFor(span: KeySpan, spec: WatchSpec): Group {
    const id = groupId(span, spec);
    let entry = this.groups.get(id);
    if (entry === undefined) {
      entry = { group: new WatchGroup<HubWatcher>(id, span, spec.prevKv, spec.noPut, spec.noDelete), refs: 0 };
      this.groups.set(id, entry);
    }
    entry.refs++;
    return entry.group;
  }

  private joinLive(w: HubWatcher): void {
    w.status = 'live';
    const g = w.group;
    if (g.members.size === 0) this.live.add(g.span, g);
    g.members.add(w);
  }

  private rejoin(w: HubWatcher): void {
    this.unsynced.delete(w);
    w.minRev = w.nextRev;
    this.joinLive(w);
  }

  private leaveLive(w: HubWatcher): void {
    const g = w.group;
    g.members.delete(w);
    if (g.members.size === 0) this.live.delete(g.span, g);
  }

  /** Every live watcher to the unsynced set, from the revision after the notified one. */
  private resyncLive(): void {
    for (const { group } of this.groups.values()) {
      for (const w of [...group.members]) {
        this.leaveLive(w);
        w.nextRev = Math.max(this.rev + 1, w.minRev);
        w.status = 'unsynced';
        this.unsynced.add(w);
      }
    }
  }

  /** Whether events continue the notified history exactly up to revision. */
  private continues(events: readonly MvccEvent[], revision: number): boolean {
    let last = this.rev;
    for (const e of events) {
      const r = revisionOf(e);
      if (r === last + 1) last = r;
      else if (r !== last || last === this.rev) return false;
    }
    return last === revision;
  }
}

/** The smallest span covering all of them, for one history read on behalf of many watchers. */
function boundingSpan(spans: readonly KeySpan[]): KeySpan {
  const first = spans[0]!;
  if (spans.every((s) => s.single && s.start === first.start)) return first;
  let start = first.start;
  let end: string | null = '';
  for (const s of spans) {
    if (s.start < start) start = s.start;
    // A single key k ends just after it: k + "\0".
    const e = s.single ? `${s.start}\0` : s.end;
    if (end !== null && (e === null || e > end)) end = e;
  }
  return { start, end, single: false };
}
