// Durations as Go (and so etcdctl and Consul) writes them: "500ms", "10s", "1m30s", "2h".
import { InvalidArgumentError } from 'commander';
import { parseDuration as parseGoDuration } from '../../cluster/go-duration.js';

/** Milliseconds, rounded to a whole one; commander's InvalidArgumentError for anything else. */
export function parseDuration(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`not a duration such as 10s, 500ms or 1m30s: ${JSON.stringify(value)}`);
  return Math.round(ms);
}

/** The shortest Go-style text for whole milliseconds: 1500 → "1.5s", 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`;
}
