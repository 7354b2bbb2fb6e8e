// The run as one JSON document for --json (stdout holds nothing else).
import type { JobResult } from './job.js';
import type { BenchOptions } from '../../cli/bench-options.js';
import { summarizeJob, type TargetResult } from './summary.js';

export function jsonReport(options: BenchOptions, names: readonly string[], results: readonly JobResult[], targets: readonly TargetResult[] | undefined): string {
  return JSON.stringify(
    {
      systems: names,
      options,
      jobs: results.map((r) => ({
        key: r.job.key,
        workload: r.job.workload.name,
        options: r.job.options,
        ...(r.skipped ? { skipped: r.skipped } : {}),
        rows: r.skipped
          ? []
          : summarizeJob(r).map((row) => ({
              key: row.key,
              label: row.label,
              headline: row.headline,
              systems: Object.fromEntries(row.systems.map((s, i) => [names[i]!, s])),
              ...(row.ratio ? { ratio: row.ratio } : {}),
            })),
      })),
      ...(targets
        ? {
            targets: targets.map((t) => ({
              label: t.target.label,
              job: t.target.job,
              row: t.target.row,
              metric: t.target.metric,
              rule: t.target.rule,
              lodestone: t.lodestone ?? null,
              etcd: t.etcd ?? null,
              ratio: t.ratio ?? null,
              met: t.met ?? null,
            })),
          }
        : {}),
    },
    null,
    2,
  );
}
