// The checks on what watchers saw. The committed history is read after the run, with every fault
// healed: a watcher on every key from revision 1 on each member in turn (the first one is the
// reference, the others must agree with it event for event). Then:
//  - each watch must have received exactly the reference's events of its keys from its start
//    revision up to the revision it is known to be complete to (the last revision a progress
//    response confirmed for its stream, or the last event it received): in order, none missing,
//    none repeated, none that is not in the history, each the same event (type, key, value, create
//    and mod revision, version), and with prev_kv, the key's previous state;
//  - the reference itself must agree with the key-value history: every acknowledged write is there
//    at the revision it was acknowledged with, every write there was one some client issued (and
//    not one that certainly failed), no revision is empty.
// Keys are ASCII, so comparing them as strings orders them as etcd orders bytes.
import type { KvRecord } from './kv-checks.js';
import type { Anomaly } from './workload.js';

/** One event of the store's history, as a watch delivers it. */
export interface HistoryEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** Empty for a delete. */
  readonly value: string;
  readonly mod: number;
  /** 0 for a delete. */
  readonly create: number;
  /** 0 for a delete. */
  readonly version: number;
}

/** A key's state before an event (prev_kv). */
export interface PrevKv {
  readonly value: string;
  readonly mod: number;
  readonly create: number;
  readonly version: number;
}

export interface SeenEvent extends HistoryEvent {
  /** prev_kv as delivered, for watches that asked for it: null when the response had none. */
  readonly prev?: PrevKv | null;
  /** Index into the watch's segments: which stream and member delivered it. */
  readonly segment: number;
  /** Run clock, ms. */
  readonly at: number;
}

/** One stretch of a watch's life on one member's stream, from a create to the stream's end. */
export interface WatchSegment {
  readonly member: number;
  /** The start_revision asked for: the watch's start, or the last revision seen + 1. */
  readonly fromRevision: number;
  readonly opened: number;
  watchId?: number;
  closed?: number;
  endReason?: string;
}

/** A watch as a client sees it: one key range, followed across streams and members. */
export interface WatchRecord {
  readonly id: number;
  readonly stream: number;
  /** e.g. "key", "prefix", "decade" */
  readonly kind: string;
  readonly key: string;
  /** undefined: the one key; "\0": every key from `key` on; otherwise [key, rangeEnd). */
  readonly rangeEnd: string | undefined;
  readonly prevKv: boolean;
  /** The first revision it asked for. */
  readonly startRevision: number;
  /** The highest revision a progress response confirmed it had every event up to (0: none). */
  coveredRevision: number;
  readonly events: SeenEvent[];
  readonly segments: WatchSegment[];
  /** Cancels the client did not ask for (etcd cancels a watch whose start was compacted). */
  readonly cancels: { readonly at: number; readonly member: number; readonly reason: string; readonly compactRevision: number }[];
  /** Responses for this watch that broke the protocol (events after its cancel, ...). */
  readonly strays: string[];
  /** Rotated away from its keys (canceled by the client). */
  retired: boolean;
  /** Given up: canceled by the server with a compact revision, nothing to resume from. */
  dead: boolean;
}

export function describeRange(w: Pick<WatchRecord, 'key' | 'rangeEnd'>): string {
  if (w.rangeEnd === undefined) return JSON.stringify(w.key);
  if (w.rangeEnd === '\0') return `${JSON.stringify(w.key)} and every key after`;
  return `[${JSON.stringify(w.key)}, ${JSON.stringify(w.rangeEnd)})`;
}

export function inRange(w: Pick<WatchRecord, 'key' | 'rangeEnd'>, key: string): boolean {
  if (w.rangeEnd === undefined) return key === w.key;
  if (key < w.key) return false;
  return w.rangeEnd === '\0' || key < w.rangeEnd;
}

/** The committed history: events in revision order, up to `revision` (every event up to it is there). */
export class ReferenceHistory {
  readonly byKey = new Map<string, HistoryEvent[]>();

  constructor(
    readonly events: readonly HistoryEvent[],
    readonly revision: number,
    /** The member it was read from, for messages. */
    readonly source: string,
  ) {
    for (const e of events) {
      let list = this.byKey.get(e.key);
      if (!list) this.byKey.set(e.key, (list = []));
      list.push(e);
    }
  }

  /** The events of a watch's range with start ≤ mod ≤ end, in order. */
  select(w: Pick<WatchRecord, 'key' | 'rangeEnd'>, start: number, end: number): HistoryEvent[] {
    const pool = w.rangeEnd === undefined ? (this.byKey.get(w.key) ?? []) : this.events;
    return pool.filter((e) => e.mod >= start && e.mod <= end && inRange(w, e.key));
  }

  /** The key's state just before revision `mod` (its last put before it; null after a delete or if none). */
  prevOf(key: string, mod: number): PrevKv | null {
    const list = this.byKey.get(key) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.mod < mod) lo = mid + 1;
      else hi = mid;
    }
    const before = list[lo - 1];
    if (!before || before.type === 'delete') return null;
    return { value: before.value, mod: before.mod, create: before.create, version: before.version };
  }
}

export function showEvent(e: HistoryEvent): string {
  return e.type === 'put'
    ? `put ${JSON.stringify(e.key)}=${JSON.stringify(e.value)} @${e.mod} (create ${e.create}, version ${e.version})`
    : `delete ${JSON.stringify(e.key)} @${e.mod}`;
}

function showPrev(p: PrevKv | null | undefined): string {
  if (p === undefined) return 'nothing';
  if (p === null) return 'no prev_kv';
  return `${JSON.stringify(p.value)} @${p.mod} (create ${p.create}, version ${p.version})`;
}

export function sameEvent(a: HistoryEvent, b: HistoryEvent): boolean {
  return a.type === b.type && a.key === b.key && a.value === b.value && a.mod === b.mod && a.create === b.create && a.version === b.version;
}

function samePrev(a: PrevKv | null, b: PrevKv | null | undefined): boolean {
  if (a === null || b === null || b === undefined) return a === (b ?? null);
  return a.value === b.value && a.mod === b.mod && a.create === b.create && a.version === b.version;
}

export interface WatchCheckFigures {
  /** Events compared with the history. */
  readonly checked: number;
  /** Received after the reference's revision: not compared. */
  readonly beyond: number;
  readonly missing: number;
  readonly repeated: number;
  readonly unexpected: number;
  readonly wrong: number;
  readonly outOfOrder: number;
  readonly wrongPrevKv: number;
  /** The revision the watch was checked up to. */
  readonly through: number;
}

const eventId = (e: HistoryEvent): string => `${e.mod}\u0000${e.key}`;

/**
 * One watch against the reference: what it received from its start revision up to the revision it
 * is known complete to must be exactly the history's events of its keys.
 */
export function checkWatch(
  w: WatchRecord,
  ref: ReferenceHistory,
  memberName: (index: number) => string,
  workload = 'watch',
): { anomalies: Anomaly[]; figures: WatchCheckFigures } {
  const anomalies: Anomaly[] = [];
  const seen = w.events.filter((e) => e.mod <= ref.revision);
  const beyond = w.events.length - seen.length;
  const lastSeen = seen.reduce((m, e) => Math.max(m, e.mod), 0);
  const through = Math.max(Math.min(w.coveredRevision, ref.revision), lastSeen);
  const expected = ref.select(w, w.startRevision, through);
  const where = (e: SeenEvent): string => {
    const s = w.segments[e.segment];
    return s ? `from ${memberName(s.member)} (stream opened at ${fmtS(s.opened)} from revision ${s.fromRevision}), received at ${fmtS(e.at)}` : `at ${fmtS(e.at)}`;
  };
  const label = `watch ${w.id} (stream ${w.stream}, ${w.kind} ${describeRange(w)}${w.prevKv ? ', prev_kv' : ''}, from revision ${w.startRevision})`;

  const expectedById = new Map(expected.map((e) => [eventId(e), e]));
  const seenCount = new Map<string, number>();
  let missing = 0;
  let repeated = 0;
  let unexpected = 0;
  let wrong = 0;
  let outOfOrder = 0;
  let wrongPrevKv = 0;
  const examples: Record<string, string> = {};
  const note = (kind: string, text: string): void => {
    examples[kind] ??= text;
  };
  let previous: SeenEvent | undefined;
  for (const e of seen) {
    const id = eventId(e);
    const n = (seenCount.get(id) ?? 0) + 1;
    seenCount.set(id, n);
    if (n > 1) {
      repeated++;
      note('watch-repeated-event', `${showEvent(e)} received ${n} times, again ${where(e)}`);
    }
    if (previous && (e.mod < previous.mod || (e.mod === previous.mod && e.key <= previous.key)) && n === 1) {
      outOfOrder++;
      note('watch-out-of-order', `${showEvent(e)} ${where(e)} came after ${showEvent(previous)}`);
    }
    previous = e;
    const want = expectedById.get(id);
    if (!want) {
      unexpected++;
      note('watch-unexpected-event', `${showEvent(e)} ${where(e)} is not in the history of its keys (${ref.source} has ${showOrNone(ref.select({ key: e.key, rangeEnd: undefined }, e.mod, e.mod)[0])} at that revision)`);
      continue;
    }
    if (!sameEvent(want, e)) {
      wrong++;
      note('watch-wrong-event', `${showEvent(e)} ${where(e)}; the history has ${showEvent(want)}`);
    }
    if (w.prevKv && n === 1) {
      const prev = ref.prevOf(e.key, e.mod);
      if (!samePrev(prev, e.prev)) {
        wrongPrevKv++;
        note('watch-wrong-prev-kv', `${showEvent(e)} ${where(e)} came with prev_kv ${showPrev(e.prev)}; the history has ${showPrev(prev)}`);
      }
    }
  }
  const missed: HistoryEvent[] = expected.filter((e) => !seenCount.has(eventId(e)));
  missing = missed.length;
  if (missing > 0) {
    const first = missed[0]!;
    const before = [...seen].reverse().find((e) => e.mod < first.mod);
    const after = seen.find((e) => e.mod > first.mod);
    note(
      'watch-missed-event',
      `${showEvent(first)} was never received${missing > 1 ? ` (nor ${missing - 1} more, e.g. ${missed.slice(1, 4).map(showEvent).join('; ')})` : ''}; ` +
        `before it: ${before ? `${showEvent(before)} ${where(before)}` : 'nothing'}; after it: ${after ? `${showEvent(after)} ${where(after)}` : 'nothing'}` +
        (w.coveredRevision >= first.mod ? `; a progress response had confirmed revision ${w.coveredRevision}` : ''),
    );
  }
  const counts: Record<string, number> = {
    'watch-missed-event': missing,
    'watch-repeated-event': repeated,
    'watch-unexpected-event': unexpected,
    'watch-wrong-event': wrong,
    'watch-out-of-order': outOfOrder,
    'watch-wrong-prev-kv': wrongPrevKv,
  };
  for (const [kind, n] of Object.entries(counts)) {
    if (n === 0) continue;
    anomalies.push({
      workload,
      kind,
      key: w.key,
      message: `${label}: ${n} event${n === 1 ? '' : 's'} — ${examples[kind] ?? ''} (checked through revision ${through}: ${expected.length} expected, ${seen.length} received)`,
      report: segmentsReport(w, memberName),
    });
  }
  return { anomalies, figures: { checked: seen.length, beyond, missing, repeated, unexpected, wrong, outOfOrder, wrongPrevKv, through } };
}

function showOrNone(e: HistoryEvent | undefined): string {
  return e ? showEvent(e) : 'no event of that key';
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** The watch's life, segment by segment, for an anomaly's report. */
export function segmentsReport(w: WatchRecord, memberName: (index: number) => string): string {
  return w.segments
    .map((s, i) => {
      const events = w.events.filter((e) => e.segment === i);
      const span = events.length > 0 ? `${events.length} events @${events[0]!.mod}..@${events[events.length - 1]!.mod}` : 'no events';
      return `segment ${i}: ${memberName(s.member)} from revision ${s.fromRevision}, ${fmtS(s.opened)}–${s.closed === undefined ? 'end' : fmtS(s.closed)}${s.endReason ? ` (${s.endReason})` : ''}: ${span}`;
    })
    .join('\n');
}

/**
 * Streams one member's history against the reference: the first difference, if any, up to the
 * lower of the two revisions.
 */
export class HistoryComparison {
  private next = 0;
  private difference: string | undefined;

  constructor(
    private readonly ref: ReferenceHistory,
    readonly member: string,
  ) {}

  add(e: HistoryEvent): void {
    if (this.difference !== undefined || e.mod > this.ref.revision) return;
    const want = this.ref.events[this.next];
    if (!want || !sameEvent(want, e)) {
      this.difference = `${this.member} has ${showEvent(e)} where ${this.ref.source} has ${want ? showEvent(want) : 'nothing more'}`;
      return;
    }
    this.next++;
  }

  /** After the member's history is complete to `revision`. */
  finish(revision: number): string | undefined {
    if (this.difference !== undefined) return this.difference;
    const upTo = Math.min(revision, this.ref.revision);
    const want = this.ref.events[this.next];
    if (want && want.mod <= upTo) return `${this.member} lacks ${showEvent(want)}, which ${this.ref.source} has (and ${this.ref.events.filter((e) => e.mod <= upTo).length - this.next - 1} more after it)`;
    return undefined;
  }
}

/**
 * Every revision from 2 to the reference's must hold at least one event when only the workload
 * writes: a revision with no event is one the store counted and the history lost.
 */
export function findRevisionGaps(ref: ReferenceHistory): number[] {
  const present = new Set(ref.events.map((e) => e.mod));
  const gaps: number[] = [];
  for (let r = 2; r <= ref.revision; r++) if (!present.has(r)) gaps.push(r);
  return gaps;
}

/**
 * The reference against the key-value history (keys under `prefix`): every acknowledged write at
 * its acknowledged revision, and every write in the history one that some client issued and that
 * did not certainly fail.
 */
export function checkAgainstKv(ref: ReferenceHistory, records: readonly KvRecord[], prefix: string, workload = 'watch'): { anomalies: Anomaly[]; checked: number } {
  const anomalies: Anomaly[] = [];
  const at = new Map<string, HistoryEvent>();
  for (const e of ref.events) if (e.key.startsWith(prefix)) at.set(`${e.mod}\u0000${e.key}`, e);
  let checked = 0;
  let lost = 0;
  const writesByValue = new Map<string, KvRecord>();
  const deletes = new Map<string, KvRecord[]>();
  for (const r of records) {
    if (r.process === 'final') continue;
    if (r.input.type === 'put' || r.input.type === 'cas') writesByValue.set(`${r.input.key}\u0000${r.input.value}`, r);
    if (r.input.type === 'delete') {
      let list = deletes.get(r.input.key);
      if (!list) deletes.set(r.input.key, (list = []));
      list.push(r);
    }
    if (r.outcome !== 'ok' || r.revision === undefined || Number(r.revision) > ref.revision) continue;
    const effect =
      r.input.type === 'put' || (r.input.type === 'cas' && r.output?.type === 'cas' && r.output.succeeded)
        ? 'put'
        : r.input.type === 'delete' && r.output?.type === 'delete' && r.output.deleted > 0
          ? 'delete'
          : undefined;
    if (!effect) continue;
    checked++;
    const e = at.get(`${r.revision}\u0000${r.input.key}`);
    const value = r.input.type === 'put' || r.input.type === 'cas' ? r.input.value : '';
    if (e && e.type === effect && e.value === value) continue;
    if (++lost <= 10) {
      anomalies.push({
        workload,
        kind: 'watch-history-lost-write',
        key: r.input.key,
        message: `operation ${r.index} (${effect} ${JSON.stringify(r.input.key)}${effect === 'put' ? `=${JSON.stringify(value)}` : ''}) was acknowledged at revision ${r.revision}, but the history ${ref.source} delivers has ${e ? showEvent(e) : 'no event of that key'} there`,
      });
    }
  }
  const seenValues = new Map<string, HistoryEvent>();
  let phantoms = 0;
  const phantom = (e: HistoryEvent, why: string): void => {
    if (++phantoms <= 10) anomalies.push({ workload, kind: 'watch-history-phantom-write', key: e.key, message: `${showEvent(e)} in the history ${ref.source} delivers: ${why}` });
  };
  for (const e of ref.events) {
    if (!e.key.startsWith(prefix)) continue;
    if (e.type === 'put') {
      const id = `${e.key}\u0000${e.value}`;
      const twice = seenValues.get(id);
      if (twice) phantom(e, `the value was already written at revision ${twice.mod}, and every value is written once`);
      seenValues.set(id, e);
      const w = writesByValue.get(id);
      if (!w) phantom(e, 'no client wrote that value to that key');
      else if (w.outcome === 'fail') phantom(e, `operation ${w.index} that wrote it failed (${w.error ?? 'no error'}), so it must not have taken effect`);
      else if (w.outcome === 'ok' && w.output?.type === 'cas' && !w.output.succeeded) phantom(e, `operation ${w.index}, a compare-and-set that wrote it, answered that its comparison failed`);
      else if (w.outcome === 'ok' && w.revision !== undefined && Number(w.revision) !== e.mod) phantom(e, `operation ${w.index} that wrote it was acknowledged at revision ${w.revision}`);
    } else {
      const candidates = (deletes.get(e.key) ?? []).filter((d) => d.outcome === 'unknown' || d.outcome === 'pending' || (d.outcome === 'ok' && d.revision !== undefined && Number(d.revision) === e.mod));
      if (candidates.length === 0) phantom(e, 'no delete of that key that may have taken effect at that revision');
    }
  }
  if (lost > 10) anomalies.push({ workload, kind: 'watch-history-lost-write', message: `… and ${lost - 10} more acknowledged writes missing from the history` });
  if (phantoms > 10) anomalies.push({ workload, kind: 'watch-history-phantom-write', message: `… and ${phantoms - 10} more writes no client made` });
  return { anomalies, checked };
}
