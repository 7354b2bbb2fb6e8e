// The performance targets (README, Performance): the jobs that measure them and how each is judged. A ratio target compares
// Lodestone with etcd round by round (both measured in the same round, one right after the other)
// and is met when the median of those ratios is; an absolute one is met when Lodestone's worst
// round is within the limit.
import type { Job } from './job.js';
import type { BenchOptions, WorkloadName } from '../../cli/bench-options.js';
import type { Headline } from './workload.js';
import { WORKLOADS } from '../workloads/index.js';

export type Rule =
  | { readonly kind: 'ratio-at-least'; readonly factor: number }
  | { readonly kind: 'at-most-etcd' }
  | { readonly kind: 'at-most'; readonly limit: number };

export interface Target {
  readonly label: string;
  readonly job: string;
  readonly row: string;
  readonly metric: Headline;
  readonly rule: Rule;
}

export function targetJobs(base: BenchOptions): Job[] {
  const job = (key: string, workload: WorkloadName, overrides: Partial<BenchOptions> = {}): Job => ({
    key,
    workload: WORKLOADS[workload],
    options: { ...base, ...overrides },
  });
  return [
    job('put-64', 'put', { clients: 64, target: 'all' }),
    job('put-1-leader', 'put', { clients: 1, target: 'leader' }),
    job('put-1-follower', 'put', { clients: 1, target: 'follower' }),
    job('get-linearizable-64', 'range', { clients: 64, target: 'all', consistency: 'l', prefix: false }),
    job('get-serializable-64', 'range', { clients: 64, target: 'all', consistency: 's', prefix: false }),
    job('watch-1000', 'watch', { watchers: 1000, target: 'follower' }),
    job('lease-keepalive', 'lease-keepalive', { target: 'all' }),
    job('memory', 'memory'),
    job('restart', 'restart'),
  ];
}

const AT_LEAST = (factor: number): Rule => ({ kind: 'ratio-at-least', factor });
const NOT_ABOVE_ETCD: Rule = { kind: 'at-most-etcd' };

export const TARGETS: readonly Target[] = [
  { label: 'puts/s, 64 in flight ≥ 1.25× etcd', job: 'put-64', row: 'put', metric: 'perSecond', rule: AT_LEAST(1.25) },
  { label: 'put p99, 64 in flight ≤ etcd', job: 'put-64', row: 'put', metric: 'p99Ms', rule: NOT_ABOVE_ETCD },
  { label: 'put p50, one at a time, leader ≤ etcd', job: 'put-1-leader', row: 'put', metric: 'p50Ms', rule: NOT_ABOVE_ETCD },
  { label: 'put p50, one at a time, follower ≤ etcd', job: 'put-1-follower', row: 'put', metric: 'p50Ms', rule: NOT_ABOVE_ETCD },
  { label: 'linearizable gets/s, 64 in flight ≥ 1.25×', job: 'get-linearizable-64', row: 'range', metric: 'perSecond', rule: AT_LEAST(1.25) },
  { label: 'serializable gets/s, 64 in flight ≥ 1.5×', job: 'get-serializable-64', row: 'range', metric: 'perSecond', rule: AT_LEAST(1.5) },
  { label: 'watch, 1,000 watchers: ack → event p99 ≤ etcd', job: 'watch-1000', row: 'delay', metric: 'p99Ms', rule: NOT_ABOVE_ETCD },
  { label: 'keepalives/s to the leader ≥ etcd', job: 'lease-keepalive', row: 'leader', metric: 'perSecond', rule: AT_LEAST(1) },
  { label: 'keepalives/s through a follower ≥ etcd', job: 'lease-keepalive', row: 'follower', metric: 'perSecond', rule: AT_LEAST(1) },
  { label: 'resident memory per member, idle ≤ etcd', job: 'memory', row: 'rss-idle', metric: 'value', rule: NOT_ABOVE_ETCD },
  { label: 'resident memory per member, loaded ≤ etcd', job: 'memory', row: 'rss-loaded', metric: 'value', rule: NOT_ABOVE_ETCD },
  { label: 'disk bytes per key ≤ etcd', job: 'memory', row: 'disk-per-key', metric: 'value', rule: NOT_ABOVE_ETCD },
  { label: 'restart after a clean stop ≤ 5 s', job: 'restart', row: 'clean', metric: 'value', rule: { kind: 'at-most', limit: 5 } },
  { label: 'restart after kill -9 ≤ 5 s', job: 'restart', row: 'kill9', metric: 'value', rule: { kind: 'at-most', limit: 5 } },
];

export function ruleText(rule: Rule): string {
  switch (rule.kind) {
    case 'ratio-at-least':
      return `ratio ≥ ${rule.factor}`;
    case 'at-most-etcd':
      return 'ratio ≤ 1';
    case 'at-most':
      return `≤ ${rule.limit}`;
  }
}
