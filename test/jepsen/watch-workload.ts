// The watch workload: a few Watch streams over real gRPC, each bound to a member and holding
// several watches on the keys the key-value workload writes — single keys, ten keys under one
// prefix, every key of the workload — some with prev_kv. A watch behaves as a correct etcd client's
// does: when its stream breaks (the member was killed, stopped answering keepalive pings, or a
// request went unanswered), the stream moves to the next member and each watch is created again
// from the last revision it saw + 1. Streams also move now and then of their own accord, and a
// single-key or ten-key watch moves on to keys not yet used once the key-value workload has
// retired its keys (the old watch is canceled, the new one starts at a revision before any write
// to its keys). Every stream asks for progress (etcd's progress_request) once a second: the
// answer's revision is one every watch of the stream has had every event up to, which tells how
// far each watch must be complete.
//
// The workload never compacts, so a cancel the client did not ask for (compact_revision) is an
// anomaly. After the run, with every fault healed, the committed history is read from each member
// by a watch on every key from revision 1, and every watch is checked against it (watch-checks.ts).
import { Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type RangeResponse } from '../../rpc/etcd-api.js';
import type { WireWatchResponse } from '../compat/watch-wire.js';
import type { Prng } from '../sim/prng.js';
import { describeError } from './kv-client.js';
import { kvKeyName, nextMember, type KeyFeed } from './kv-workload.js';
import { isProgressResponse, toHistoryEvent, toPrevKv, WatchConnection, type WatchConnectionOptions } from './watch-client.js';
import {
  checkAgainstKv,
  checkWatch,
  describeRange,
  findRevisionGaps,
  HistoryComparison,
  ReferenceHistory,
  type HistoryEvent,
  type WatchRecord,
} from './watch-checks.js';
import { sleep, type Anomaly, type Workload, type WorkloadContext, type WorkloadReport } from './workload.js';

export interface WatchWorkloadOptions {
  /** Watch streams, each starting on member (stream % members). */
  readonly streams: number;
  /** Per stream: watches on one key, moving to a fresh key when theirs is retired. */
  readonly keyWatchers: number;
  /** Per stream: watches on ten keys (one prefix), moving on likewise. */
  readonly decadeWatchers: number;
  /** Per stream: watches on every key of the key-value workload. */
  readonly prefixWatchers: number;
  /** A stream asks for progress this long after its last answer. */
  readonly progressEveryMs: number;
  /** A stream moves to another member of its own accord after [min, max] ms ([0, 0]: never). */
  readonly migrateMs: readonly [number, number];
  /** A watch whose keys were retired moves on after this long, once a progress answer covers the retirement. */
  readonly rotateGraceMs: number;
  /** A create or progress request unanswered this long: the stream is given up for another member. */
  readonly answerTimeoutMs: number;
  readonly connection: WatchConnectionOptions;
  /** After the run: how long watches may take to catch up, and each member to deliver its history. */
  readonly finishTimeoutMs: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchWorkloadOptions = {
  streams: 3,
  keyWatchers: 2,
  decadeWatchers: 1,
  prefixWatchers: 1,
  progressEveryMs: 1000,
  migrateMs: [15_000, 40_000],
  rotateGraceMs: 2000,
  answerTimeoutMs: 8000,
  // The member's gRPC server takes pings every 5 s at most (etcd's default is the same).
  connection: { keepaliveMs: 5000, keepaliveTimeoutMs: 3000 },
  finishTimeoutMs: 60_000,
};

type WatchState = 'idle' | 'creating' | 'active' | 'canceling' | 'done';

interface LiveWatch {
  readonly record: WatchRecord;
  state: WatchState;
  watchId: number | undefined;
  /** The mod revision of the last event received: a new stream resumes from it + 1. */
  lastRev: number;
  /** Created again (after an unexpected cancel) no sooner than this. */
  retryAt: number;
  /** When its keys were first seen retired, and the stream's revision then. */
  retiredSince: number | undefined;
  retiredAtRev: number;
}

const TICK_MS = 200;

export class WatchWorkload implements Workload {
  readonly name = 'watch';
  readonly options: WatchWorkloadOptions;
  private ctx!: WorkloadContext;
  private rng!: Prng;
  private streams: WatcherStream[] = [];
  private readonly records: WatchRecord[] = [];
  private ticker: NodeJS.Timeout | undefined;
  stopping = false;
  /** Protocol breaches not tied to one watch (a response for a watch id never created, ...). */
  readonly strays: string[] = [];
  readonly counters = { breaks: 0, migrations: 0, rotations: 0, progressAnswers: 0, unrequestedProgress: 0, eventsReceived: 0 };
  readonly breakReasons = new Map<string, number>();
  private reference: ReferenceHistory | undefined;
  private readonly membersAgreeing: string[] = [];
  private readonly finishAnomalies: Anomaly[] = [];
  private finalRevision = 0;
  private flagged = new Set<number>();

  constructor(
    private readonly feed: KeyFeed,
    options: Partial<WatchWorkloadOptions> = {},
  ) {
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...options };
  }

  start(ctx: WorkloadContext): void {
    this.ctx = ctx;
    this.rng = ctx.rng;
    const o = this.options;
    const prefix = this.feed.prefix;
    for (let s = 0; s < o.streams; s++) {
      const stream = new WatcherStream(this, s, s % ctx.cluster.members.length, this.rng.fork());
      for (let j = 0; j < o.keyWatchers; j++) stream.add(this.newRecord(s, 'key', kvKeyName(prefix, s * o.keyWatchers + j), undefined, j % 2 === 1, 1));
      for (let j = 0; j < o.decadeWatchers; j++) {
        const decade = decadePrefix(prefix, s * o.decadeWatchers + j);
        stream.add(this.newRecord(s, 'decade', decade, prefixEnd(decade), s % 2 === 1, 1));
      }
      for (let j = 0; j < o.prefixWatchers; j++) stream.add(this.newRecord(s, 'prefix', prefix, prefixEnd(prefix), (s + j) % 2 === 0, 1));
      this.streams.push(stream);
      stream.connect();
    }
    this.ticker = setInterval(() => {
      for (const s of this.streams) s.tick();
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    // The streams go on (and keep moving when theirs break): after healing they catch up in finish().
    this.stopping = true;
  }

  async finish(ctx: WorkloadContext): Promise<void> {
    this.stopping = true;
    const final = await this.readFinalRevision(ctx);
    if (!final) return;
    this.finalRevision = final.revision;
    await this.awaitCaughtUp(ctx, final.revision);
    this.closeStreams();
    await this.readHistories(ctx, final.revision, final.member);
  }

  close(): void {
    this.stopping = true;
    this.closeStreams();
  }

  check(): WorkloadReport {
    const anomalies: Anomaly[] = [...this.finishAnomalies];
    const memberName = (i: number): string => this.ctx.cluster.members[i]?.name ?? `member ${i}`;
    const totals = { checked: 0, beyond: 0, missing: 0, repeated: 0, unexpected: 0, wrong: 0, outOfOrder: 0, wrongPrevKv: 0 };
    let inconclusive = 0;
    let kvChecked = 0;
    let gaps: number[] = [];
    const ref = this.reference;
    for (const w of this.records) {
      for (const c of w.cancels) {
        this.flagged.add(w.id);
        anomalies.push({
          workload: this.name,
          kind: 'watch-canceled',
          key: w.key,
          message: `watch ${w.id} (${w.kind} ${describeRange(w)}) was canceled by ${memberName(c.member)} at ${(c.at / 1000).toFixed(3)} s: ${JSON.stringify(c.reason)}${c.compactRevision > 0 ? `, compact_revision ${c.compactRevision}` : ''} — the workload never compacts`,
        });
      }
      for (const s of w.strays) {
        this.flagged.add(w.id);
        anomalies.push({ workload: this.name, kind: 'watch-protocol', key: w.key, message: `watch ${w.id}: ${s}` });
      }
      if (!ref) {
        inconclusive++;
        continue;
      }
      const r = checkWatch(w, ref, memberName, this.name);
      if (r.anomalies.length > 0) this.flagged.add(w.id);
      anomalies.push(...r.anomalies);
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.figures[k];
    }
    for (const s of this.strays) anomalies.push({ workload: this.name, kind: 'watch-protocol', message: s });
    if (ref) {
      gaps = findRevisionGaps(ref);
      if (gaps.length > 0) {
        anomalies.push({
          workload: this.name,
          kind: 'history-gap',
          message: `${gaps.length} revisions up to ${ref.revision} have no event in the history ${ref.source} delivers: ${gaps.slice(0, 10).join(', ')}${gaps.length > 10 ? ', …' : ''}`,
        });
      }
      const kv = checkAgainstKv(ref, this.feed.records(), this.feed.prefix, this.name);
      kvChecked = kv.checked;
      anomalies.push(...kv.anomalies);
    }
    const segments = this.records.reduce((n, w) => n + w.segments.length, 0);
    const figures = {
      streams: this.streams.length,
      watches: this.records.length,
      segments,
      resumes: segments - this.records.length,
      streamBreaks: this.counters.breaks,
      breakReasons: Object.fromEntries([...this.breakReasons].sort((a, b) => b[1] - a[1])),
      migrations: this.counters.migrations,
      rotations: this.counters.rotations,
      progressAnswers: this.counters.progressAnswers,
      eventsReceived: this.counters.eventsReceived,
      eventsChecked: totals.checked,
      eventsBeyondHistory: totals.beyond,
      missing: totals.missing,
      repeated: totals.repeated,
      unexpected: totals.unexpected,
      wrong: totals.wrong,
      outOfOrder: totals.outOfOrder,
      wrongPrevKv: totals.wrongPrevKv,
      finalRevision: this.finalRevision,
      historyRevision: ref?.revision ?? 0,
      historyEvents: ref?.events.length ?? 0,
      historySource: ref?.source ?? null,
      historyMembersAgreeing: this.membersAgreeing,
      kvWritesFoundInHistory: kvChecked,
    };
    const line =
      `watch: ${this.records.length} watches on ${this.streams.length} streams (${figures.resumes} resumed after ${this.counters.breaks} stream breaks ` +
      `incl. ${this.counters.migrations} moves, ${this.counters.rotations} moved to fresh keys); ${totals.checked} events checked against the history ` +
      `(${figures.historyEvents} events to revision ${figures.historyRevision}, the same on ${this.membersAgreeing.length} members); ` +
      `${kvChecked} acknowledged writes found in it — ${anomalies.length} anomalies, ${inconclusive} inconclusive`;
    return { name: this.name, figures, anomalies, inconclusive, summaryLine: line };
  }

  *history(): Iterable<Readonly<Record<string, unknown>>> {
    const memberName = (i: number): string => this.ctx.cluster.members[i]?.name ?? `member ${i}`;
    for (const w of this.records) {
      yield {
        line: 'watch',
        watch: w.id,
        stream: w.stream,
        kind: w.kind,
        key: w.key,
        rangeEnd: w.rangeEnd ?? null,
        prevKv: w.prevKv,
        startRevision: w.startRevision,
        coveredRevision: w.coveredRevision,
        retired: w.retired,
        events: w.events.length,
        firstRevision: w.events[0]?.mod ?? null,
        lastRevision: w.events[w.events.length - 1]?.mod ?? null,
        segments: w.segments.map((s) => ({ ...s, member: memberName(s.member) })),
        ...(w.cancels.length > 0 ? { cancels: w.cancels.map((c) => ({ ...c, member: memberName(c.member) })) } : {}),
        ...(w.strays.length > 0 ? { strays: w.strays } : {}),
      };
    }
    // What a failing watch received, event by event, and the history it was checked against.
    if (this.flagged.size === 0) return;
    for (const w of this.records) {
      if (!this.flagged.has(w.id)) continue;
      for (const e of w.events) yield { line: 'watch-event', watch: w.id, ...e, member: memberName(w.segments[e.segment]?.member ?? -1) };
    }
    for (const e of this.reference?.events ?? []) yield { line: 'history-event', source: this.reference!.source, ...e };
  }

  /** Every watch so far (for tests). */
  get watches(): readonly WatchRecord[] {
    return this.records;
  }

  // ------------------------------------------------------------ for the streams

  get clock(): number {
    return this.ctx.clock();
  }

  /** The member a broken stream moves to: the next one still in the cluster. */
  nextMember(member: number): number {
    return nextMember(this.ctx.cluster, member);
  }

  endpoint(member: number): string {
    return this.ctx.cluster.members[member]!.endpoint;
  }

  /** What the members' client URLs are dialed with. */
  get credentials(): ChannelCredentials {
    return this.ctx.cluster.clientCredentials;
  }

  newRecord(stream: number, kind: string, key: string, rangeEnd: string | undefined, prevKv: boolean, startRevision: number): WatchRecord {
    const record: WatchRecord = {
      id: this.records.length,
      stream,
      kind,
      key,
      rangeEnd,
      prevKv,
      startRevision,
      coveredRevision: 0,
      events: [],
      segments: [],
      cancels: [],
      strays: [],
      retired: false,
      dead: false,
    };
    this.records.push(record);
    return record;
  }

  noteBreak(reason: string): void {
    this.counters.breaks++;
    // Counted by kind: the part before any port or revision.
    const kind = reason.replace(/\d+(\.\d+)*(:\d+)?/g, 'N').slice(0, 100);
    this.breakReasons.set(kind, (this.breakReasons.get(kind) ?? 0) + 1);
  }

  /** Whether every key a watch covers has been used and retired by the key-value workload. */
  keysRetired(w: WatchRecord): boolean {
    const allocated = this.feed.allocated();
    const keys: number[] = [];
    const n = keyIndex(this.feed.prefix, w.key);
    if (n === undefined) return false;
    if (w.kind === 'key') keys.push(n);
    else if (w.kind === 'decade') for (let i = 0; i < 10; i++) keys.push(n * 10 + i);
    else return false;
    return keys.every((k) => k < allocated && !this.feed.isActive(kvKeyName(this.feed.prefix, k)));
  }

  /** A record for keys no client has used yet: nothing of them is in the history before `startRevision`. */
  freshRecord(stream: number, kind: string, prevKv: boolean, startRevision: number, rng: Prng): WatchRecord {
    const allocated = this.feed.allocated();
    if (kind === 'key') return this.newRecord(stream, kind, kvKeyName(this.feed.prefix, allocated + rng.int(3)), undefined, prevKv, startRevision);
    const decade = decadePrefix(this.feed.prefix, Math.ceil(allocated / 10) + rng.int(2));
    return this.newRecord(stream, kind, decade, prefixEnd(decade), prevKv, startRevision);
  }

  // ------------------------------------------------------------ after the run

  private async readFinalRevision(ctx: WorkloadContext): Promise<{ revision: number; member: number } | undefined> {
    const members = ctx.cluster.activeMembers.map((m) => m.index);
    const errors: string[] = [];
    for (let attempt = 0; attempt < 3 * members.length; attempt++) {
      const member = members[attempt % members.length]!;
      const kv = createEtcdClient('KV', ctx.cluster.members[member]!.endpoint, { credentials: ctx.cluster.clientCredentials });
      try {
        const res = await new Promise<RangeResponse>((resolve, reject) => {
          kv.Range({ key: Buffer.from([0]), range_end: Buffer.from([0]), count_only: true }, new Metadata(), { deadline: Date.now() + 10_000 }, (err: ServiceError | null, r?: RangeResponse) =>
            err ? reject(err) : r ? resolve(r) : reject(new Error('empty response')),
          );
        });
        return { revision: Number(res.header?.revision ?? 0), member };
      } catch (e) {
        errors.push(`${ctx.cluster.members[member]!.name}: ${describeError(e)}`);
        await sleep(500);
      } finally {
        kv.close();
      }
    }
    this.finishAnomalies.push({ workload: this.name, kind: 'final-read-failed', message: `no member told the store's revision: ${errors.join('; ')}` });
    return undefined;
  }

  /** Every watch still on must come to be confirmed complete up to the final revision. */
  private async awaitCaughtUp(ctx: WorkloadContext, revision: number): Promise<void> {
    const deadline = Date.now() + this.options.finishTimeoutMs;
    const lagging = (): LiveWatch[] =>
      this.streams.flatMap((s) => s.live.filter((lw) => (lw.state === 'active' || lw.state === 'creating' || lw.state === 'idle') && lw.record.coveredRevision < revision));
    for (;;) {
      const behind = lagging();
      if (behind.length === 0) break;
      if (Date.now() > deadline) {
        for (const lw of behind) {
          const w = lw.record;
          const s = w.segments[w.segments.length - 1];
          this.flagged.add(w.id);
          this.finishAnomalies.push({
            workload: this.name,
            kind: 'watch-stalled',
            key: w.key,
            message: `watch ${w.id} (${w.kind} ${describeRange(w)}) was not confirmed complete to revision ${revision} within ${this.options.finishTimeoutMs} ms of the cluster being healed: last event @${lw.lastRev}, last progress @${w.coveredRevision}, ${lw.state} on ${s ? ctx.cluster.members[s.member]!.name : 'no member'}`,
          });
        }
        break;
      }
      await sleep(100);
    }
    ctx.log(`watches: every stream confirmed complete to revision ${revision} (${this.records.length} watches, ${this.counters.eventsReceived} events received)`);
  }

  private closeStreams(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    for (const s of this.streams) s.close();
  }

  /**
   * The committed history from each member: a watch on every key from revision 1, until a progress
   * answer says it is complete to at least `revision`. The first member to deliver it is the
   * reference; the others must deliver the same events.
   */
  private async readHistories(ctx: WorkloadContext, revision: number, first: number): Promise<void> {
    const members = ctx.cluster.activeMembers.map((m) => m.index);
    const order = [first, ...members.filter((i) => i !== first)];
    const unreadable: string[] = [];
    for (const i of order) {
      const name = ctx.cluster.members[i]!.name;
      const collected: HistoryEvent[] = [];
      const comparison = this.reference ? new HistoryComparison(this.reference, name) : undefined;
      try {
        const through = await this.readHistory(i, revision, (e) => (comparison ? comparison.add(e) : collected.push(e)));
        if (!this.reference) {
          this.reference = new ReferenceHistory(
            collected.filter((e) => e.mod <= through),
            through,
            name,
          );
          this.membersAgreeing.push(name);
          ctx.log(`history: ${collected.length} events to revision ${through} from ${name}`);
          continue;
        }
        const difference = comparison!.finish(through);
        if (difference) this.finishAnomalies.push({ workload: this.name, kind: 'history-divergence', message: difference });
        else this.membersAgreeing.push(name);
      } catch (e) {
        unreadable.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (unreadable.length > 0) {
      this.finishAnomalies.push({ workload: this.name, kind: 'history-unreadable', message: `members that did not deliver their history from revision 1: ${unreadable.join('; ')}` });
    }
    ctx.log(`history: the same on ${this.membersAgreeing.join(', ')}`);
  }

  private readHistory(member: number, revision: number, onEvent: (e: HistoryEvent) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err: Error | undefined, through = 0): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.close();
        if (err) reject(err);
        else resolve(through);
      };
      const timer = setTimeout(() => done(new Error(`not complete to revision ${revision} within ${this.options.finishTimeoutMs} ms`)), this.options.finishTimeoutMs);
      const conn = new WatchConnection(
        this.endpoint(member),
        this.credentials,
        this.options.connection,
        (r: WireWatchResponse) => {
          if (r.created && r.canceled) return done(new Error(`create refused: ${r.cancelReason}`));
          if (r.canceled) return done(new Error(`canceled: ${r.cancelReason} (compact_revision ${r.compactRevision})`));
          if (r.created) return conn.requestProgress();
          for (const e of r.events) onEvent(toHistoryEvent(e));
          if (isProgressResponse(r)) {
            if (r.revision >= revision) done(undefined, r.revision);
            else setTimeout(() => conn.requestProgress(), 100);
          }
        },
        (reason) => done(new Error(`stream ended: ${reason}`)),
      );
      conn.create({ key: '\0', rangeEnd: '\0', startRevision: 1, prevKv: false });
    });
  }
}

/** One stream: its member, its connection, the watches it holds. */
class WatcherStream {
  readonly live: LiveWatch[] = [];
  private conn: WatchConnection | undefined;
  private pending: { lw: LiveWatch; sentAt: number }[] = [];
  private readonly byId = new Map<number, LiveWatch>();
  private progress: { sentAt: number; covers: Set<LiveWatch> } | undefined;
  private lastProgressAt = 0;
  /** The highest header revision seen: a committed revision. */
  private headerRevision = 1;
  private reconnectAt = 0;
  private migrateAt = Infinity;
  private closed = false;

  constructor(
    private readonly host: WatchWorkload,
    readonly index: number,
    private member: number,
    private readonly rng: Prng,
  ) {}

  add(record: WatchRecord): LiveWatch {
    const lw: LiveWatch = { record, state: 'idle', watchId: undefined, lastRev: 0, retryAt: 0, retiredSince: undefined, retiredAtRev: 0 };
    this.live.push(lw);
    return lw;
  }

  connect(): void {
    if (this.closed) return;
    const conn = new WatchConnection(
      this.host.endpoint(this.member),
      this.host.credentials,
      this.host.options.connection,
      (r) => {
        if (conn === this.conn) this.onResponse(r);
      },
      (reason) => {
        if (conn === this.conn) this.broken(reason);
      },
    );
    this.conn = conn;
    this.lastProgressAt = this.host.clock;
    const [lo, hi] = this.host.options.migrateMs;
    this.migrateAt = hi > 0 ? this.host.clock + this.rng.range(lo, hi) : Infinity;
    for (const lw of this.live) if (lw.state === 'idle') this.create(lw);
  }

  tick(): void {
    if (this.closed) return;
    const now = this.host.clock;
    const o = this.host.options;
    if (!this.conn) {
      if (now >= this.reconnectAt) this.connect();
      return;
    }
    const oldest = this.pending[0];
    if (oldest && now - oldest.sentAt > o.answerTimeoutMs) return this.giveUp(`create unanswered for ${o.answerTimeoutMs} ms`);
    if (this.progress && now - this.progress.sentAt > o.answerTimeoutMs) return this.giveUp(`progress request unanswered for ${o.answerTimeoutMs} ms`);
    if (!this.host.stopping && now >= this.migrateAt) {
      this.host.counters.migrations++;
      return this.giveUp('moved by the client');
    }
    for (const lw of this.live) if (lw.state === 'idle' && now >= lw.retryAt) this.create(lw);
    if (!this.progress && now - this.lastProgressAt >= o.progressEveryMs) {
      const covers = new Set(this.live.filter((lw) => lw.state === 'active' || lw.state === 'creating'));
      this.progress = { sentAt: now, covers };
      this.conn.requestProgress();
    }
  }

  close(): void {
    this.closed = true;
    if (this.conn) this.broken('closed at the end of the run', true);
  }

  private create(lw: LiveWatch): void {
    const conn = this.conn;
    if (!conn) return;
    const w = lw.record;
    const from = lw.lastRev > 0 ? lw.lastRev + 1 : w.startRevision;
    w.segments.push({ member: this.member, fromRevision: from, opened: this.host.clock });
    conn.create({ key: w.key, rangeEnd: w.rangeEnd, startRevision: from, prevKv: w.prevKv });
    this.pending.push({ lw, sentAt: this.host.clock });
    lw.state = 'creating';
    lw.watchId = undefined;
  }

  private giveUp(reason: string): void {
    this.broken(reason, true);
  }

  /** The stream is gone (or given up): every watch waits for the next one, on the next member. */
  private broken(reason: string, byClient = false): void {
    const conn = this.conn;
    this.conn = undefined;
    if (byClient) conn?.close();
    const now = this.host.clock;
    for (const lw of [...this.live]) {
      const s = lw.record.segments[lw.record.segments.length - 1];
      if (s && s.closed === undefined && (lw.state === 'creating' || lw.state === 'active' || lw.state === 'canceling')) {
        s.closed = now;
        s.endReason = reason;
      }
      if (lw.state === 'canceling') this.retire(lw);
      else if (lw.state !== 'done') {
        lw.state = 'idle';
        lw.watchId = undefined;
      }
    }
    this.pending = [];
    this.byId.clear();
    this.progress = undefined;
    if (this.closed) return;
    this.host.noteBreak(reason);
    this.member = this.host.nextMember(this.member);
    this.reconnectAt = now + this.rng.range(100, 300);
  }

  private retire(lw: LiveWatch): void {
    lw.state = 'done';
    const i = this.live.indexOf(lw);
    if (i >= 0) this.live.splice(i, 1);
  }

  private onResponse(r: WireWatchResponse): void {
    const now = this.host.clock;
    if (r.revision > this.headerRevision) this.headerRevision = r.revision;
    if (r.created) {
      const p = this.pending.shift();
      if (!p) {
        this.host.strays.push(`stream ${this.index} on member ${this.member}: a created response (watch id ${r.watchId}) to no create request`);
        return;
      }
      const lw = p.lw;
      const s = lw.record.segments[lw.record.segments.length - 1]!;
      if (r.canceled) {
        s.closed = now;
        s.endReason = `create refused: ${r.cancelReason}`;
        this.unexpectedCancel(lw, r);
        return;
      }
      lw.state = 'active';
      lw.watchId = r.watchId;
      s.watchId = r.watchId;
      if (this.byId.has(r.watchId)) lw.record.strays.push(`created with watch id ${r.watchId}, which another watch of the stream still holds`);
      this.byId.set(r.watchId, lw);
      if (r.events.length > 0) this.deliver(lw, r, now);
      return;
    }
    if (isProgressResponse(r)) {
      if (!this.progress) {
        this.host.counters.unrequestedProgress++;
        return;
      }
      for (const lw of this.progress.covers) {
        if (lw.state === 'active' && r.revision > lw.record.coveredRevision) lw.record.coveredRevision = r.revision;
      }
      this.progress = undefined;
      this.lastProgressAt = now;
      this.host.counters.progressAnswers++;
      if (!this.host.stopping) this.rotate();
      return;
    }
    const lw = this.byId.get(r.watchId);
    if (!lw) {
      this.host.strays.push(`stream ${this.index} on member ${this.member}: a response for watch id ${r.watchId}, which no watch of the stream holds (${r.events.length} events${r.canceled ? ', canceled' : ''})`);
      return;
    }
    if (r.events.length > 0) this.deliver(lw, r, now);
    if (!r.canceled) return;
    this.byId.delete(r.watchId);
    this.progress?.covers.delete(lw);
    const s = lw.record.segments[lw.record.segments.length - 1]!;
    s.closed = now;
    if (lw.state === 'canceling') {
      s.endReason = 'canceled by the client: its keys were retired';
      this.retire(lw);
      return;
    }
    s.endReason = `canceled by the member: ${r.cancelReason || '(no reason)'}${r.compactRevision > 0 ? ` (compact_revision ${r.compactRevision})` : ''}`;
    this.unexpectedCancel(lw, r);
  }

  private unexpectedCancel(lw: LiveWatch, r: WireWatchResponse): void {
    const now = this.host.clock;
    lw.record.cancels.push({ at: now, member: this.member, reason: r.cancelReason, compactRevision: r.compactRevision });
    this.progress?.covers.delete(lw);
    if (r.compactRevision > 0) {
      // Nothing to resume from: what it missed is gone.
      lw.record.dead = true;
      this.retire(lw);
      return;
    }
    lw.state = 'idle';
    lw.watchId = undefined;
    lw.retryAt = now + 500;
  }

  private deliver(lw: LiveWatch, r: WireWatchResponse, now: number): void {
    const w = lw.record;
    const segment = w.segments.length - 1;
    for (const e of r.events) {
      const ev = toHistoryEvent(e);
      w.events.push(w.prevKv ? { ...ev, prev: toPrevKv(e), segment, at: now } : { ...ev, segment, at: now });
      lw.lastRev = ev.mod;
    }
    this.host.counters.eventsReceived += r.events.length;
  }

  /** Watches whose keys were all retired a while ago (and covered since) move to fresh keys. */
  private rotate(): void {
    const conn = this.conn;
    if (!conn) return;
    const now = this.host.clock;
    for (const lw of [...this.live]) {
      if (lw.state !== 'active' || lw.watchId === undefined) continue;
      if (!this.host.keysRetired(lw.record)) continue;
      if (lw.retiredSince === undefined) {
        lw.retiredSince = now;
        lw.retiredAtRev = this.headerRevision;
        continue;
      }
      if (now - lw.retiredSince < this.host.options.rotateGraceMs || lw.record.coveredRevision < lw.retiredAtRev) continue;
      conn.cancel(lw.watchId);
      lw.state = 'canceling';
      lw.record.retired = true;
      this.host.counters.rotations++;
      // Its keys are not in use yet: every write to them comes after the revision this stream has seen.
      const next = this.add(this.host.freshRecord(this.index, lw.record.kind, lw.record.prevKv, this.headerRevision, this.rng));
      this.create(next);
    }
  }
}

/** The index of a workload key ("…k00042" → 42), or of a ten-key prefix ("…k0004" → 4). */
function keyIndex(prefix: string, key: string): number | undefined {
  if (!key.startsWith(`${prefix}k`)) return undefined;
  const digits = key.slice(prefix.length + 1);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

/** The prefix shared by keys 10d … 10d + 9. */
function decadePrefix(prefix: string, d: number): string {
  return kvKeyName(prefix, d * 10).slice(0, -1);
}

/** The end of the range of every key starting with `prefix` (ASCII). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
