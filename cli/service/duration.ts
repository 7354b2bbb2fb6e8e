// Durations as Go (and so etcdctl and Consul) writes them: "500ms", "10s", "1m30s", "2h".
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Milliseconds, rounded to a whole one; commander's InvalidArgumentError for anything else. */
export function parseDuration(value: string): number {
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(value); m; m = PART.exec(value)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  if (value.length === 0 || at !== value.length) throw new InvalidArgumentError(`not a duration such as 10s, 500ms or 1m30s: ${JSON.stringify(value)}`);
  return Math.round(total);
}

/** The shortest Go-style text for whole milliseconds: 1500 → "1.5s", 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`;
}
