// Go's time.Duration as etcd's flags read and its logs print it.

/** Milliseconds per unit of a Go duration. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as etcd's flags take it ("10m", "1m30s", "250ms", "0") in milliseconds; undefined if it is not one. */
export function parseDuration(raw: string): number | undefined {
  if (raw === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < raw.length) {
    part.lastIndex = at;
    const m = part.exec(raw);
    if (!m) return undefined;
    ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = part.lastIndex;
  }
  return raw.length > 0 ? ms : undefined;
}

/** Milliseconds as Go's Duration.String() prints them: 3600000 → "1h0m0s", 90000 → "1m30s", 250 → "250ms". */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(6))}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Number(((ms % 60_000) / 1000).toFixed(9));
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
