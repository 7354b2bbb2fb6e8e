// Watchers that time every event's arrival against the acknowledgement of the put that made it:
// the delay a watcher sees after the writer was told "done". An event that arrives before its put
// was acknowledged counts as 0. Responses are decoded straight from the wire (WireWatchClient),
// so the client keeps up with tens of thousands of events a second.
import { createRequest, WireWatchClient, type WireWatchResponse } from '../../test/compat/watch-wire.js';
import { LatencyRecorder } from './stats.js';

export interface WatchedRange {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
}

const WATCHERS_PER_STREAM = 100;

export class Fanout {
  private readonly connections: WireWatchClient[];
  private readonly streams: ReturnType<WireWatchClient['stream']>[];
  private created = 0;
  private failure: Error | undefined;
  /** Acknowledgement time of each put of the current phase, by revision. */
  private readonly ackAt = new Map<number, number>();
  /** Events that came before their put's acknowledgement, by revision. */
  private readonly early = new Map<number, number>();
  private delays = new LatencyRecorder();
  delivered = 0;
  earlyEvents = 0;
  lastArrival = 0;
  private active = false;

  /** Watchers of `ranges` (one each) on streams spread over connections to `endpoints`. */
  constructor(
    endpoints: readonly string[],
    private readonly ranges: readonly WatchedRange[],
  ) {
    const streamCount = Math.max(1, Math.ceil(ranges.length / WATCHERS_PER_STREAM));
    this.connections = endpoints.map((e) => new WireWatchClient(e, { ownConnection: true }));
    this.streams = Array.from({ length: streamCount }, (_, i) => this.connections[i % this.connections.length]!.stream());
    for (const s of this.streams) {
      s.on('error', (e: Error) => (this.failure ??= e));
      s.on('data', (res: WireWatchResponse) => this.onResponse(res));
    }
  }

  get watchers(): number {
    return this.ranges.length;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.ranges.forEach((r, w) => this.streams[w % this.streams.length]!.write(createRequest({ key: r.key, range_end: r.range_end })));
    const end = Date.now() + timeoutMs;
    while (this.created < this.ranges.length) {
      if (this.failure) throw this.failure;
      if (Date.now() > end) throw new Error(`only ${this.created} of ${this.ranges.length} watchers created`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onResponse(res: WireWatchResponse): void {
    if (res.created) {
      this.created++;
      return;
    }
    if (!this.active) return;
    const now = performance.now();
    for (const e of res.events) {
      const rev = e.kv.modRevision;
      this.delivered++;
      this.lastArrival = now;
      const ack = this.ackAt.get(rev);
      if (ack !== undefined) this.delays.record(now - ack);
      else {
        this.earlyEvents++;
        this.early.set(rev, (this.early.get(rev) ?? 0) + 1);
      }
    }
  }

  /** Starts counting afresh: events of puts acknowledged from now on. */
  phase(): void {
    this.ackAt.clear();
    this.early.clear();
    this.delays = new LatencyRecorder();
    this.delivered = 0;
    this.earlyEvents = 0;
    this.active = true;
  }

  acked(revision: number, at: number): void {
    this.ackAt.set(revision, at);
    const early = this.early.get(revision);
    if (early !== undefined) {
      for (let k = 0; k < early; k++) this.delays.record(0);
      this.early.delete(revision);
    }
  }

  /** Waits until `expected` events have arrived (or `limitMs` passed); then stops counting, unless told to go on (more puts follow). */
  async drained(expected: number, limitMs: number, stop = true, pollMs = 10): Promise<void> {
    const end = performance.now() + limitMs;
    while (this.delivered < expected && performance.now() < end) await new Promise((r) => setTimeout(r, pollMs));
    if (stop) this.active = false;
  }

  delaySummary(): ReturnType<LatencyRecorder['summary']> {
    return this.delays.summary();
  }

  close(): void {
    for (const s of this.streams) s.cancel();
    for (const c of this.connections) c.close();
  }
}
