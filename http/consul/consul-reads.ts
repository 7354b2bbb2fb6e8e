// The reads: the catalog (services and one service's instances), health (one service's
// instances with their checks, its checks alone), the agent's services and the agent itself.
// Each answers from this member's registry view, blocking with ?index and ?wait.
import type { ServiceInstance } from '../../registry/registry-view.js';
import { badRequest, ConsulHttpError } from './consul-error.js';
import { block, parseBlocking, setQueryMeta } from './blocking-query.js';
import { sendJson, type ConsulRequest } from './consul-request.js';
import { passingOnly, withTags } from './instance-selection.js';
import { authorize } from './registry-access.js';
import { agentService, catalogServiceEntry, DATACENTER, healthCheck, healthEntry } from './response-shapes.js';

/** Checks the token, holds a blocking query, then answers what `answer` reads at `index()`. */
async function blockingRead(r: ConsulRequest, index: () => number, answer: () => unknown): Promise<void> {
  await authorize(r.source.auth, r.token, 'read', r.signal);
  checkDatacenter(r.query);
  const params = parseBlocking(r.query);
  const view = r.source.registry.view;
  await block(view, index, params, r.signal);
  const body = answer();
  setQueryMeta(r.res, index(), r.source.leaderContact());
  sendJson(r, body);
}

/** One datacenter: any other is one Consul has no path to. */
function checkDatacenter(query: URLSearchParams): void {
  const dc = query.get('dc');
  if (dc !== null && dc !== '' && dc !== DATACENTER) throw new ConsulHttpError(500, 'No path to datacenter');
}

function serviceName(r: ConsulRequest): string {
  if (r.rest === '') throw badRequest('Missing service name');
  return r.rest;
}

/** Consul's boolean query flags: present without a value is true. */
function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  if (v === '') return true;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`Invalid value for ?${name}`);
}

/** GET /v1/catalog/services: each service's name with the tags its instances carry. */
export function catalogServices(r: ConsulRequest): Promise<void> {
  const view = r.source.registry.view;
  return blockingRead(
    r,
    () => view.catalogIndex,
    () => {
      const out: Record<string, string[]> = {};
      for (const name of view.serviceNames()) out[name] = [...new Set(view.instances(name).flatMap((i) => i.record.tags))];
      return out;
    },
  );
}

function instancesOf(r: ConsulRequest, service: string): ServiceInstance[] {
  return withTags(r.source.registry.view.instances(service), r.query.getAll('tag'));
}

/** GET /v1/catalog/service/:service[?tag=]: the instances, passing or not. */
export function catalogService(r: ConsulRequest): Promise<void> {
  const service = serviceName(r);
  const view = r.source.registry.view;
  return blockingRead(r, () => view.serviceIndex(service), () => instancesOf(r, service).map(catalogServiceEntry));
}

/** GET /v1/health/service/:service[?passing][&tag=]: instances with their node and checks. */
export function healthService(r: ConsulRequest): Promise<void> {
  const service = serviceName(r);
  const passing = boolParam(r.query, 'passing');
  const view = r.source.registry.view;
  return blockingRead(
    r,
    () => view.serviceIndex(service),
    () => {
      const all = instancesOf(r, service);
      const chosen = passing ? passingOnly(all, view.settings(service).protectThreshold) : all;
      return chosen.map(healthEntry);
    },
  );
}

/** GET /v1/health/checks/:service: every check of the service's instances. */
export function healthChecks(r: ConsulRequest): Promise<void> {
  const service = serviceName(r);
  const view = r.source.registry.view;
  return blockingRead(r, () => view.serviceIndex(service), () => view.instances(service).flatMap((i) => i.checks.map((c) => healthCheck(i, c))));
}

const CHECK_STATES = ['any', 'passing', 'warning', 'critical'];

/** GET /v1/health/state/:state: every check in that state (any: all), across services. */
export function healthState(r: ConsulRequest): Promise<void> {
  const state = r.rest;
  if (!CHECK_STATES.includes(state)) throw badRequest('Invalid state');
  const view = r.source.registry.view;
  return blockingRead(
    r,
    () => view.registryIndex,
    () =>
      view
        .serviceNames()
        .flatMap((name) => view.instances(name))
        .flatMap((i) => i.checks.filter((c) => state === 'any' || c.status === state).map((c) => healthCheck(i, c))),
  );
}

/** GET /v1/agent/services: every instance by ID (the cluster is the one agent here). */
export async function agentServices(r: ConsulRequest): Promise<void> {
  await authorize(r.source.auth, r.token, 'read', r.signal);
  const view = r.source.registry.view;
  const out: Record<string, unknown> = {};
  for (const name of view.serviceNames()) for (const i of view.instances(name)) out[i.id] = { ...agentService(i), Datacenter: DATACENTER };
  sendJson(r, out);
}

/** GET /v1/agent/self: the agent's configuration, of which clients read the datacenter. */
export async function agentSelf(r: ConsulRequest): Promise<void> {
  await authorize(r.source.auth, r.token, 'read', r.signal);
  const name = r.source.memberName;
  sendJson(r, {
    Config: { Datacenter: DATACENTER, PrimaryDatacenter: DATACENTER, NodeName: name, Server: true },
    Member: { Name: name, Tags: { dc: DATACENTER, role: 'consul' }, Status: 1 },
    Meta: {},
  });
}
