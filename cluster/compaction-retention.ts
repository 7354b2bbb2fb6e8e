// etcd's --auto-compaction-mode and --auto-compaction-retention, read as etcd 3.4 reads them: a bare
// non-negative integer is hours in periodic mode and a revision count in revision mode; anything
// else must be a Go duration ("30m", "1h30m", "90s"). 0 turns auto-compaction off.
import { parseDuration } from './go-duration.js';

/** etcd's revision compactor looks every five minutes. */
export const REVISION_CHECK_INTERVAL_MS = 5 * 60_000;

export type AutoCompactionMode = 'periodic' | 'revision';

export const AUTO_COMPACTION_MODES: readonly AutoCompactionMode[] = ['periodic', 'revision'];

export function isAutoCompactionMode(s: string): s is AutoCompactionMode {
  return (AUTO_COMPACTION_MODES as readonly string[]).includes(s);
}

/** etcd's own start-up message for a mode or retention it cannot read. */
export class CompactionRetentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompactionRetentionError';
  }
}

/** What the two flags ask for: nothing, a time window, or a number of revisions kept. */
export type CompactionRetention =
  | { readonly kind: 'off' }
  | { readonly kind: 'periodic'; readonly periodMs: number }
  | { readonly kind: 'revision'; readonly revisions: number };

/** Nanoseconds per millisecond: etcd's revision mode reads a duration as a count of nanoseconds. */
const NS_PER_MS = 1e6;

/** Why Go's time.ParseDuration refuses this, in its words. */
function goDurationError(raw: string): string {
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw)) return `time: missing unit in duration "${raw}"`;
  const unit = /^[-+]?(?:\d+\.?\d*|\.\d+)([^\d.]+)/.exec(raw);
  if (unit && !['ns', 'us', 'µs', 'ms', 's', 'm', 'h'].includes(unit[1]!)) return `time: unknown unit "${unit[1]!}" in duration "${raw}"`;
  return `time: invalid duration "${raw}"`;
}

export function parseCompactionRetention(mode: string, retention: string): CompactionRetention {
  if (!isAutoCompactionMode(mode)) throw new CompactionRetentionError(`unknown auto-compaction-mode "${mode}"`);
  let amount: number;
  if (/^[+]?\d+$/.test(retention)) {
    const n = Number(retention);
    amount = mode === 'periodic' ? n * 3_600_000 : n;
  } else {
    const ms = parseDuration(retention);
    if (ms === undefined) throw new CompactionRetentionError(`error parsing CompactionRetention: ${goDurationError(retention)}`);
    // etcd converts the duration to its integer nanoseconds and keeps that many revisions.
    amount = mode === 'periodic' ? ms : Math.round(ms * NS_PER_MS);
  }
  if (amount === 0) return { kind: 'off' };
  return mode === 'periodic' ? { kind: 'periodic', periodMs: amount } : { kind: 'revision', revisions: amount };
}
