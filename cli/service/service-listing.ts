// What `list` and `get` show of the registry: the services with their instances' health counts,
// and one service's instances with each check's state — as rows for -w table and as plain objects
// for -w json.
import type { CheckDefinition, HealthStatus } from '../../registry/layout.js';
import type { RegistryView, ServiceInstance } from '../../registry/registry-view.js';
import { formatDuration } from './duration.js';
import { table } from './output.js';

export interface ServiceSummary {
  readonly service: string;
  readonly instances: number;
  readonly passing: number;
  readonly warning: number;
  readonly critical: number;
}

export function summaries(view: RegistryView): ServiceSummary[] {
  return view.serviceNames().map((service) => {
    const instances = view.instances(service);
    const count = (s: HealthStatus): number => instances.filter((i) => i.status === s).length;
    return { service, instances: instances.length, passing: count('passing'), warning: count('warning'), critical: count('critical') };
  });
}

export function summaryTable(rows: readonly ServiceSummary[]): string {
  return table(
    ['SERVICE', 'INSTANCES', 'PASSING', 'WARNING', 'CRITICAL'],
    rows.map((r) => [r.service, String(r.instances), String(r.passing), String(r.warning), String(r.critical)]),
  );
}

export interface CheckJson {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  /** What it checks: the URL, host:port, host:port/service, or the TTL. */
  readonly target: string;
  readonly status: HealthStatus;
  readonly output: string;
  /** When the status last changed (ms since the epoch); absent before the first result. */
  readonly since?: number;
}

export interface InstanceJson {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly status: HealthStatus;
  /** "persistent", or the lease (decimal) an ephemeral instance lives on. */
  readonly lease: string;
  readonly checks: readonly CheckJson[];
}

function target(d: CheckDefinition | undefined): string {
  if (!d) return '';
  switch (d.kind) {
    case 'http':
      return `${d.method ?? 'GET'} ${d.http ?? ''}`;
    case 'tcp':
      return d.tcp ?? '';
    case 'grpc':
      return d.grpc ?? '';
    case 'ttl':
      return `ttl ${formatDuration(d.ttlMs ?? 0)}`;
  }
}

export function instanceJson(i: ServiceInstance): InstanceJson {
  return {
    service: i.service,
    id: i.id,
    address: i.record.address,
    port: i.record.port,
    tags: i.record.tags,
    meta: i.record.meta,
    weights: i.record.weights,
    status: i.status,
    lease: i.lease === 0n ? 'persistent' : i.lease.toString(),
    checks: i.checks.map((c) => ({
      id: c.id,
      name: c.definition?.name ?? c.id,
      kind: c.definition?.kind ?? 'unknown',
      target: target(c.definition),
      status: c.status,
      output: c.health?.output ?? '',
      ...(c.health ? { since: c.health.since } : {}),
    })),
  };
}

/** The instances, then (when any has checks) their checks, one row each. */
export function instanceTables(instances: readonly InstanceJson[]): string {
  const main = table(
    ['ID', 'ADDRESS', 'TAGS', 'WEIGHTS', 'LEASE', 'STATUS'],
    instances.map((i) => [i.id, `${i.address}:${i.port}`, i.tags.join(',') || '-', `${i.weights.passing}/${i.weights.warning}`, i.lease, i.status]),
  );
  const checks = instances.flatMap((i) => i.checks.map((c) => [i.id, c.id, c.kind, c.target, c.status, oneLine(c.output) || '-']));
  if (checks.length === 0) return main;
  return `${main}\n\n${table(['INSTANCE', 'CHECK', 'KIND', 'TARGET', 'STATUS', 'OUTPUT'], checks)}`;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
