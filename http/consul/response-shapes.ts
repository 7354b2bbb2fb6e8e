// The registry's instances in the shapes Consul's catalog and health endpoints answer with.
//
// Consul places every service instance on a node (the machine of the agent it registered with);
// Lodestone has no agents, so an instance's node is its host: the node is named after the
// instance's address and has that address. Instances on one host share a node, as they would
// share a Consul agent. Prometheus's consul_sd takes ServiceAddress, or the node's Address when it
// is empty: both are the instance's address here.
import { createHash } from 'node:crypto';
import { goDurationString } from '../../cluster/go-duration.js';
import type { CheckState, ServiceInstance } from '../../registry/registry-view.js';

/** Consul's default datacenter name: the one this cluster answers as. */
export const DATACENTER = 'dc1';

/** Where an instance whose address is unknown is placed. */
const UNKNOWN_NODE = 'lodestone';

export interface ConsulNode {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export function nodeName(instance: ServiceInstance): string {
  return instance.record.address || UNKNOWN_NODE;
}

/** A stable, UUID-shaped node ID derived from the node's name (Consul's node IDs are UUIDs). */
function nodeId(name: string): string {
  const h = createHash('sha256').update(`lodestone-node:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function consulNode(instance: ServiceInstance): ConsulNode {
  const address = instance.record.address;
  const name = nodeName(instance);
  return {
    ID: nodeId(name),
    Node: name,
    Address: address,
    Datacenter: DATACENTER,
    TaggedAddresses: address ? { lan: address, wan: address } : {},
    Meta: {},
    CreateIndex: instance.createRevision,
    ModifyIndex: instance.modRevision,
  };
}

function weights(instance: ServiceInstance): { Passing: number; Warning: number } {
  return { Passing: instance.record.weights.passing, Warning: instance.record.weights.warning };
}

/** An entry of GET /v1/catalog/service/:service. */
export function catalogServiceEntry(instance: ServiceInstance): Record<string, unknown> {
  const node = consulNode(instance);
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: '',
    ServiceID: instance.id,
    ServiceName: instance.service,
    ServiceTags: instance.record.tags,
    ServiceAddress: instance.record.address,
    ServiceTaggedAddresses: {},
    ServiceWeights: weights(instance),
    ServiceMeta: instance.record.meta,
    ServicePort: instance.record.port,
    ServiceEnableTagOverride: false,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: instance.createRevision,
    ModifyIndex: instance.modRevision,
  };
}

/** The Service of a health entry (Consul's AgentService). */
export function agentService(instance: ServiceInstance): Record<string, unknown> {
  return {
    ID: instance.id,
    Service: instance.service,
    Tags: instance.record.tags,
    Address: instance.record.address,
    Meta: instance.record.meta,
    Port: instance.record.port,
    Weights: weights(instance),
    EnableTagOverride: false,
    Proxy: { MeshGateway: {}, Expose: {} },
    Connect: {},
    CreateIndex: instance.createRevision,
    ModifyIndex: instance.modRevision,
  };
}

/** One of an instance's checks as Consul's HealthCheck. */
export function healthCheck(instance: ServiceInstance, check: CheckState): Record<string, unknown> {
  const d = check.definition;
  return {
    Node: nodeName(instance),
    CheckID: check.id,
    Name: d?.name ?? check.id,
    Status: check.status,
    Notes: '',
    Output: check.health?.output ?? '',
    ServiceID: instance.id,
    ServiceName: instance.service,
    ServiceTags: instance.record.tags,
    Type: d?.kind ?? '',
    Interval: d && d.kind !== 'ttl' ? goDurationString(d.intervalMs) : '',
    Timeout: d && d.kind !== 'ttl' ? goDurationString(d.timeoutMs) : '',
    ExposedPort: 0,
    Definition: {
      HTTP: d?.http ?? '',
      Method: d?.method ?? '',
      TCP: d?.tcp ?? '',
      GRPC: d?.grpc ?? '',
      TTL: d?.ttlMs !== undefined ? goDurationString(d.ttlMs) : '0s',
      Interval: goDurationString(d?.intervalMs ?? 0),
      Timeout: goDurationString(d?.timeoutMs ?? 0),
      DeregisterCriticalServiceAfter: goDurationString(d?.deregisterCriticalAfterMs ?? 0),
    },
    CreateIndex: instance.createRevision,
    ModifyIndex: check.modRevision || instance.modRevision,
  };
}

/** An entry of GET /v1/health/service/:service: the node, the service and its checks. */
export function healthEntry(instance: ServiceInstance): Record<string, unknown> {
  return {
    Node: consulNode(instance),
    Service: agentService(instance),
    Checks: instance.checks.map((c) => healthCheck(instance, c)),
  };
}
