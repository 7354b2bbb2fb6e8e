// The instances of the registry-scale workload, computed from their number alone so every part of
// the workload (and the fleet process answering their health) agrees: instance i belongs to
// service i mod services, has its own IPv4 address, and one check — even i an HTTP check of the
// fleet's /health/<id>, odd i a TTL check the fleet reports on. Intervals (TTLs) cycle over the
// whole seconds from the shortest to --max-interval; HTTP checks alternate failures_before_critical
// between 1 and 2.

/** A lease's TTL is at least the lessor's minimum, 1.5 election timeouts (2 s by default, rounded up): shorter TTLs would not hold. */
export const SHORTEST_TTL_S = 2;

export interface PlannedInstance {
  readonly index: number;
  readonly service: string;
  readonly id: string;
  readonly checkId: string;
  readonly address: string;
  readonly kind: 'http' | 'ttl';
  /** The probe interval of an HTTP check, the TTL of a TTL check. */
  readonly intervalMs: number;
  readonly failuresBeforeCritical: number;
}

export interface ScalePlanSpec {
  readonly instances: number;
  readonly services: number;
  readonly maxIntervalS: number;
}

export function planInstance(spec: ScalePlanSpec, index: number): PlannedInstance {
  const kind = index % 2 === 0 ? 'http' : 'ttl';
  const shortest = kind === 'http' ? 1 : SHORTEST_TTL_S;
  const longest = Math.max(shortest, Math.floor(spec.maxIntervalS));
  const step = Math.floor(index / 2);
  const id = `i-${index}`;
  return {
    index,
    service: `svc-${index % spec.services}`,
    id,
    checkId: `check-${id}`,
    address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    kind,
    intervalMs: (shortest + (step % (longest - shortest + 1))) * 1000,
    failuresBeforeCritical: kind === 'http' ? 1 + (Math.floor(step / (longest - shortest + 1)) % 2) : 1,
  };
}

export function planInstances(spec: ScalePlanSpec): PlannedInstance[] {
  return Array.from({ length: spec.instances }, (_, i) => planInstance(spec, i));
}

/** The longest an instance whose endpoint went down may take to leave discovery: the bound. */
export function disappearanceBoundMs(instance: PlannedInstance): number {
  return instance.intervalMs * instance.failuresBeforeCritical + 1000;
}

/** Consul's service definition of the instance, as PUT /v1/agent/service/register takes it. */
export function serviceDefinition(instance: PlannedInstance, healthBaseUrl: string): Record<string, unknown> {
  const check =
    instance.kind === 'http'
      ? {
          CheckID: instance.checkId,
          HTTP: `${healthBaseUrl}/health/${instance.id}`,
          Interval: `${instance.intervalMs}ms`,
          Timeout: '2s',
          FailuresBeforeCritical: instance.failuresBeforeCritical,
          Status: 'passing',
        }
      : { CheckID: instance.checkId, TTL: `${instance.intervalMs}ms`, Status: 'passing' };
  return { Name: instance.service, ID: instance.id, Address: instance.address, Port: 8000 + (instance.index % 1000), Check: check };
}
