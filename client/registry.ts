// The client's service registry, on the registry's key layout (registry/layout.ts), which the
// members, DNS and Consul's HTTP API share: register() an instance with its checks, discover() a
// service's instances and their health, and readDependencies() for who discovers what.
export { register, type EphemeralRegistration, type RegisterOptions, type Registration } from './instance-registration.js';
export { InvalidInstanceError, type CheckInput, type InstanceFields } from './instance-input.js';
export type { ReportOutcome } from './instance-writes.js';
export { discover, Discovery, type DiscoverOptions, type ServiceChange, type Staleness } from './discovery.js';
export type { DiscoveredCheck, ServiceInstance } from './discovered-instance.js';
export { readDependencies, type DependencyEdge } from './consumers.js';
