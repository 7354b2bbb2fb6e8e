// Reads a few samples from a member's /metrics (Prometheus' text format): the console shows each
// member's leader changes and watchers, which only that member counts.

/** The value of each metric in `names` without labels, or the sum over its labelled series. */
export function metricValues(text: string, names: readonly string[]): Record<string, number> {
  const wanted = new Set(names);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || !wanted.has(m[1]!)) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    out[m[1]!] = (out[m[1]!] ?? 0) + value;
  }
  return out;
}
