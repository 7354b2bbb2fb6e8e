// From the rounds of a run to what it reports: for each row, each system's median round and the
// Lodestone/etcd ratio of every round; for each target, its figures and whether it is met.
import type { JobResult } from './job.js';
import { median } from './stats.js';
import type { Target } from './targets.js';
import type { Headline, Row } from './workload.js';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: readonly number[];
}

export interface RowSummary {
  readonly key: string;
  readonly label: string;
  readonly headline: Headline;
  /** Per system, in the run's order: the median round and every round. */
  readonly systems: readonly { readonly median: Row; readonly rounds: readonly Row[] }[];
  /** First system over second, of the headline figure, round by round (two systems only). */
  readonly ratio?: Spread;
}

export interface TargetResult {
  readonly target: Target;
  readonly lodestone?: Spread;
  readonly etcd?: Spread;
  readonly ratio?: Spread;
  /** undefined: not measured (no etcd to compare with, or the job did not run). */
  readonly met?: boolean;
}

export function figure(row: Row | undefined, metric: Headline): number {
  if (!row) return NaN;
  switch (metric) {
    case 'perSecond':
      return row.perSecond ?? NaN;
    case 'p50Ms':
      return row.latency?.p50Ms ?? NaN;
    case 'p99Ms':
      return row.latency?.p99Ms ?? NaN;
    case 'value':
      return row.value ?? NaN;
  }
}

export function spread(xs: readonly number[]): Spread | undefined {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return undefined;
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok), rounds: xs };
}

/** The round whose headline figure is the median of the rounds (the lower middle of an even count): its other figures go with it. */
function medianRound(rows: readonly Row[]): Row {
  const sorted = [...rows].sort((a, b) => figure(a, a.headline) - figure(b, b.headline));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function summarizeJob(result: JobResult): RowSummary[] {
  const first = result.rounds[0]?.[0] ?? [];
  return first.map((template) => {
    const systems = result.rounds.map((rounds) => {
      const rows = rounds.map((r) => r.find((x) => x.key === template.key)).filter((x): x is Row => x !== undefined);
      return { median: medianRound(rows), rounds: rows };
    });
    const ratio =
      systems.length === 2
        ? spread(systems[0]!.rounds.map((r, k) => figure(r, template.headline) / figure(systems[1]!.rounds[k], template.headline)))
        : undefined;
    return { key: template.key, label: template.label, headline: template.headline, systems, ...(ratio ? { ratio } : {}) };
  });
}

export function judge(target: Target, results: readonly JobResult[]): TargetResult {
  const result = results.find((r) => r.job.key === target.job && !r.skipped);
  const row = result ? summarizeJob(result).find((r) => r.key === target.row) : undefined;
  if (!row) return { target };
  const of = (s: number): Spread | undefined => (row.systems[s] ? spread(row.systems[s]!.rounds.map((r) => figure(r, target.metric))) : undefined);
  const lodestone = of(0);
  const etcd = of(1);
  const ratio = lodestone && etcd ? spread(lodestone.rounds.map((x, k) => x / etcd.rounds[k]!)) : undefined;
  const base = { target, ...(lodestone ? { lodestone } : {}), ...(etcd ? { etcd } : {}), ...(ratio ? { ratio } : {}) };
  const rule = target.rule;
  if (rule.kind === 'at-most') return { ...base, ...(lodestone ? { met: lodestone.max <= rule.limit } : {}) };
  if (!ratio) return base;
  return { ...base, met: rule.kind === 'ratio-at-least' ? ratio.median >= rule.factor : ratio.median <= 1 };
}
