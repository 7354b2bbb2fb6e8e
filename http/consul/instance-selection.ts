// Which instances a catalog or health query answers: those with every asked tag, and with
// ?passing those whose checks all pass — unless so few pass that the service's protect threshold
// (Nacos's, 0–1, in /lodestone/service-settings/) is crossed: then every instance is answered,
// since sending all traffic to the few healthy ones would likely take them down too. Consul has
// no such setting nor any header for it; with the default threshold of 0 the answer is Consul's.
import { isHealthyStatus, selectHealthy } from '../../registry/healthy-selection.js';
import type { ServiceInstance } from '../../registry/registry-view.js';

export function withTags(instances: readonly ServiceInstance[], tags: readonly string[]): ServiceInstance[] {
  return instances.filter((i) => tags.every((t) => i.record.tags.includes(t)));
}

export function passingOnly(instances: readonly ServiceInstance[], protectThreshold: number): ServiceInstance[] {
  return selectHealthy(instances, (i) => isHealthyStatus(i.status, true), protectThreshold).chosen;
}
