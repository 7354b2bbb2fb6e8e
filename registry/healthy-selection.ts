// Which instances discovery answers when it asks for healthy ones — the same rule for DNS, Consul's
// HTTP API and the client's discover(): the healthy ones, unless so few are healthy that the
// service's protect threshold (Nacos's, 0–1) is crossed; then every instance, since sending all the
// traffic to the few would likely take them down too. A threshold of 0 never protects.
import type { HealthStatus, InstanceWeights } from './layout.js';

export interface HealthySelection<T> {
  readonly chosen: T[];
  /** True when the threshold was crossed and every instance was chosen. */
  readonly protecting: boolean;
}

export function selectHealthy<T>(instances: readonly T[], isHealthy: (instance: T) => boolean, protectThreshold: number): HealthySelection<T> {
  const healthy = instances.filter(isHealthy);
  if (instances.length > 0 && protectThreshold > 0 && healthy.length / instances.length < protectThreshold) return { chosen: [...instances], protecting: true };
  return { chosen: healthy, protecting: false };
}

/** Healthy: passing, or warning too unless only passing is asked for. */
export function isHealthyStatus(status: HealthStatus, onlyPassing: boolean): boolean {
  return status === 'passing' || (!onlyPassing && status === 'warning');
}

/** The weight traffic is spread by: the passing weight, or the warning one (also for a critical instance answered under protection). */
export function weightFor(status: HealthStatus, weights: InstanceWeights): number {
  return status === 'passing' ? weights.passing : weights.warning;
}
