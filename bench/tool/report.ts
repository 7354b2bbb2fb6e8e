// The run as text for a terminal: one table per job (each system's median round: ops/s and
// p50/p90/p99/max, or the figure), the ratio of every round, then the targets table.
import type { JobResult } from './job.js';
import { summarizeJob, type RowSummary, type Spread, type TargetResult } from './summary.js';
import { ruleText } from './targets.js';
import type { Row } from './workload.js';

const num = (x: number | undefined, digits = 2): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const rate = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US'));

function spreadText(s: Spread | undefined, digits = 2): string {
  if (!s) return '—';
  return s.rounds.length > 1 ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})` : num(s.median, digits);
}

function loadCells(r: Row): string[] {
  const l = r.latency;
  const cpu = r.clientCpu === undefined ? '—' : `${Math.round(r.clientCpu * 100)}%`;
  return [rate(r.perSecond), num(l?.p50Ms), num(l?.p90Ms), num(l?.p99Ms), num(l?.maxMs, 1), String(r.errors ?? 0), cpu];
}

function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

function rowLines(row: RowSummary, names: readonly string[]): string[] {
  const out: string[] = [`  ${row.label}`];
  const isLoad = row.systems[0]?.median.latency !== undefined;
  if (isLoad) {
    out.push(...table(['', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'tool CPU'], row.systems.map((s, i) => [names[i]!, ...loadCells(s.median)]), '    '));
  } else {
    const unit = row.systems[0]?.median.unit ?? '';
    out.push(...table(['', unit], row.systems.map((s, i) => [names[i]!, num(s.median.value, unit === 'B' ? 0 : 2)]), '    '));
  }
  if (row.ratio) {
    const what = row.headline === 'perSecond' ? 'ops/s' : row.headline === 'value' ? 'figure' : row.headline.replace('Ms', '');
    out.push(`    ${names[0]}/${names[1]} (${what}): ${spreadText(row.ratio)}; by round ${row.ratio.rounds.map((x) => num(x)).join(' ')}`);
  }
  for (const [i, s] of row.systems.entries()) {
    const failed = s.rounds.find((r) => r.firstError !== undefined);
    if (failed) out.push(`    ${names[i]}: ${failed.firstError}`);
  }
  return out;
}

export function jobLines(results: readonly JobResult[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const o = r.job.options;
    if (r.skipped) {
      out.push(`${r.job.key}: skipped — ${r.skipped}`, '');
      continue;
    }
    const rows = summarizeJob(r);
    // Figures such as memory or restart times take what they take: no round length to tell.
    const timed = rows.some((row) => row.systems[0]?.median.latency !== undefined);
    const length = !timed ? '' : o.total !== undefined ? ` of ${o.total} requests` : ` of ${o.durationS} s`;
    out.push(`${r.job.key} (${r.job.workload.name}): ${o.rounds} round${o.rounds === 1 ? '' : 's'}${length}, median round shown${o.rounds % 2 === 0 ? ' (of an even count, the lower middle)' : ''}`);
    for (const row of rows) out.push(...rowLines(row, names));
    out.push('');
  }
  return out;
}

export function targetLines(results: readonly TargetResult[], names: readonly string[]): string[] {
  const digits = (t: TargetResult): number => (t.target.metric === 'perSecond' ? 0 : 2);
  const rows = results.map((t) => [
    t.target.label,
    spreadText(t.lodestone, digits(t)),
    spreadText(t.etcd, digits(t)),
    t.target.rule.kind === 'at-most' ? `max ${num(t.lodestone?.max)}` : spreadText(t.ratio),
    ruleText(t.target.rule),
    t.met === undefined ? 'n/a' : t.met ? 'met' : 'NOT MET',
  ]);
  const met = results.filter((t) => t.met).length;
  return [
    `targets (median of rounds, min–max in brackets; a ratio is ${names[0]}/etcd in the same round)`,
    ...table(['target', names[0] ?? 'Lodestone', names[1] ?? 'etcd', 'ratio', 'needs', 'met?'], rows),
    `  ${met} of ${results.length} targets met`,
  ];
}
