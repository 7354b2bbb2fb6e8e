// etcd 3.4's auto-compaction (etcdserver/api/v3compactor): the leader proposes the same Compact that
// `etcdctl compaction` sends, on one of two schedules.
//
// periodic: keep about a retention period of history. A revision is sampled every tenth of the
// period (of an hour, for periods over an hour); the oldest of the last period/interval + 1 samples
// is the revision of one period ago. Nothing is compacted until a whole period has passed since the
// compactor started; after that, every period (every hour past an hour), a failure being tried again
// at the next sample.
// revision: every 5 minutes, compact to the current revision less the retention, unless that is not
// above 0 or was compacted last time.
//
// Every member runs its compactor's clock (a periodic one keeps sampling), but only the leader's
// compacts: the member pauses it when it stops leading and resumes it when it leads.
import type { Logger } from 'pino';
import { isEtcdError } from '../rpc/etcd-errors.js';
import { CompactedError } from '../store/errors.js';
import { REVISION_CHECK_INTERVAL_MS, type CompactionRetention } from './compaction-retention.js';
import { goDurationString } from './go-duration.js';

/** Samples per compaction period (etcd's retryDivisor). */
const SAMPLES_PER_PERIOD = 10;
const HOUR_MS = 3_600_000;

export interface CompactorHost {
  /** The store's current revision. */
  revision(): number;
  /** Proposes a compaction at this revision through raft and resolves once it is applied. */
  compact(revision: number): Promise<void>;
  now(): number;
  readonly logger: Logger;
}

export interface AutoCompactor {
  /** Starts the clock; the compactor begins paused. */
  start(): void;
  /** Stops compacting (this member no longer leads); periodic sampling goes on. */
  pause(): void;
  /** Compacts again when due (this member leads). */
  resume(): void;
  stop(): void;
}

/** A compaction that found its revision compacted already did what was asked (as etcd counts it). */
function alreadyCompacted(e: unknown): boolean {
  return e instanceof CompactedError || isEtcdError(e, 'ETCD_COMPACTED');
}

abstract class TimedCompactor implements AutoCompactor {
  protected paused = true;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    protected readonly host: CompactorHost,
    /** etcd's wait between two looks; a failed compaction is tried again after it. */
    protected readonly intervalMs: number,
  ) {}

  start(): void {
    this.onStart();
    this.schedule();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  protected onStart(): void {}

  /** One tick of etcd's loop, after the wait; the next wait starts once it is done. */
  protected abstract onInterval(): Promise<void>;

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.onInterval().then(
        () => this.schedule(),
        (e: unknown) => {
          this.host.logger.error({ err: e }, 'auto-compaction failed unexpectedly');
          this.schedule();
        },
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Proposes the compaction, logged as etcd logs it; true if it is done (or was done before). */
  protected async attempt(revision: number, retention: string): Promise<boolean> {
    const log = this.host.logger;
    log.info({ revision }, `Starting auto-compaction at revision ${revision} (retention: ${retention})`);
    try {
      await this.host.compact(revision);
    } catch (e) {
      if (!alreadyCompacted(e)) {
        log.warn({ revision, err: e }, `Failed auto-compaction at revision ${revision} (${e instanceof Error ? e.message : String(e)})`);
        log.warn(`Retry after ${goDurationString(this.intervalMs)}`);
        return false;
      }
    }
    log.info({ revision }, `Finished auto-compaction at revision ${revision}`);
    return true;
  }
}

export class PeriodicCompactor extends TimedCompactor {
  private readonly revisions: number[] = [];
  private readonly keep: number;
  private readonly compactEveryMs: number;
  private lastSuccess = 0;
  /** Until the first compaction a whole period must pass; after it, compactEveryMs. */
  private waitMs: number;

  constructor(
    host: CompactorHost,
    private readonly periodMs: number,
  ) {
    const capped = Math.min(periodMs, HOUR_MS);
    const sampleEveryMs = capped / SAMPLES_PER_PERIOD;
    super(host, sampleEveryMs);
    this.compactEveryMs = capped;
    this.keep = Math.floor(periodMs / sampleEveryMs) + 1;
    this.waitMs = periodMs;
  }

  protected override onStart(): void {
    this.lastSuccess = this.host.now();
    this.sample();
  }

  protected async onInterval(): Promise<void> {
    if (!this.paused && this.host.now() - this.lastSuccess >= this.waitMs) {
      this.waitMs = this.compactEveryMs;
      const revision = this.revisions[0]!;
      if (await this.attempt(revision, goDurationString(this.periodMs))) this.lastSuccess = this.host.now();
    }
    this.sample();
  }

  private sample(): void {
    this.revisions.push(this.host.revision());
    // The oldest sample kept is the revision of one period ago.
    if (this.revisions.length > this.keep) this.revisions.shift();
  }
}

export class RevisionCompactor extends TimedCompactor {
  /** The revision compacted last, not asked for again. */
  private previous = 0;

  constructor(
    host: CompactorHost,
    private readonly retention: number,
    checkEveryMs: number,
  ) {
    super(host, checkEveryMs);
  }

  protected async onInterval(): Promise<void> {
    if (this.paused) return;
    const revision = this.host.revision() - this.retention;
    if (revision <= 0 || revision === this.previous) return;
    if (await this.attempt(revision, `${this.retention} revisions`)) this.previous = revision;
  }
}

/** The compactor the flags ask for, or none when auto-compaction is off. */
export function autoCompactor(retention: CompactionRetention, host: CompactorHost, revisionCheckEveryMs = REVISION_CHECK_INTERVAL_MS): AutoCompactor | undefined {
  switch (retention.kind) {
    case 'off':
      return undefined;
    case 'periodic':
      return new PeriodicCompactor(host, retention.periodMs);
    case 'revision':
      return new RevisionCompactor(host, retention.revisions, revisionCheckEveryMs);
  }
}
