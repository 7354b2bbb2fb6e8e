// PUT /v1/agent/service/register's body (Consul's ServiceDefinition) as the registry's instance:
// Name, ID (the name when absent), Address, Port, Tags, Meta, Weights, and Check / Checks, each
// HTTP, TCP, gRPC or TTL. Refusals carry Consul's status and reasons.
import { RegistryLayoutError, type CheckDefinition, type InstanceRecord } from '../../registry/layout.js';
import { validateInstance } from '../../registry/records.js';
import { badRequest } from './consul-error.js';
import { durationField, field, intField, objectField, listField, stringField, stringListField, stringMapField, type JsonObject } from './json-fields.js';

export interface ServiceRegistration {
  readonly service: string;
  readonly id: string;
  readonly record: InstanceRecord;
}

/** Consul runs no check more often than this (its MinInterval); a shorter interval is raised to it. */
const MIN_INTERVAL_MS = 1000;
const DEFAULT_INTERVAL_MS = 10_000;
/** Consul's default check timeout. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Check kinds Consul has that the registry cannot run: refused rather than stored as no check. */
const UNSUPPORTED_CHECKS = ['Args', 'ScriptArgs', 'Script', 'DockerContainerID', 'AliasService', 'AliasNode', 'H2PING', 'UDP', 'OSService'];

/**
 * The instance a registration describes. `peerAddress` is where the request came from: an
 * instance registered without an Address is taken to be there, as Consul takes it to be on the
 * node of the agent it registered with.
 */
export function decodeServiceDefinition(body: JsonObject, peerAddress: string): ServiceRegistration {
  const service = stringField(body, 'Name') ?? '';
  if (service === '') throw badRequest('Missing service name');
  const id = stringField(body, 'ID') || service;
  const given = stringField(body, 'Address') ?? '';
  if (given === '0.0.0.0' || given === '::' || given === '[::]') throw badRequest('Invalid service address');
  const weights = objectField(body, 'Weights');
  const passing = weights ? (intField(weights, 'Passing') ?? 1) : 1;
  const warning = weights ? (intField(weights, 'Warning') ?? 1) : 1;
  if (passing < 1) throw badRequest('Invalid Weights: Passing must be greater than 0');
  if (warning < 0) throw badRequest('Invalid Weights: Warning must be greater or equal than 0');
  const checks = checkDefinitions(body, service, id);
  try {
    const record = validateInstance({
      address: given || peerAddress,
      port: intField(body, 'Port') ?? 0,
      tags: stringListField(body, 'Tags') ?? [],
      meta: stringMapField(body, 'Meta') ?? {},
      weights: { passing, warning },
      checks,
    });
    // The registry's own rules for names (no "/"): checked here so a bad name is a 400, not a 500.
    if (service.includes('/') || id.includes('/')) throw new RegistryLayoutError('service names and IDs may not contain "/"');
    return { service, id, record };
  } catch (e) {
    if (e instanceof RegistryLayoutError) throw badRequest(`Validation failed: ${e.message}`);
    throw e;
  }
}

/** Check and Checks, with Consul's default IDs: service:<id>, or service:<id>:<n> when several. */
function checkDefinitions(body: JsonObject, service: string, id: string): Record<string, unknown>[] {
  const raw: JsonObject[] = [];
  const single = objectField(body, 'Check');
  if (single && Object.keys(single).length > 0) raw.push(single);
  for (const c of listField(body, 'Checks') ?? []) {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw badRequest("Request decode failed: 'Checks' expected a list of check objects");
    raw.push(c as JsonObject);
  }
  return raw.map((c, i) => {
    const fallbackId = raw.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`;
    return checkDefinition(c, stringField(c, 'CheckID') || stringField(c, 'ID') || fallbackId, `Service '${service}' check`);
  });
}

type CheckFields = { -readonly [K in keyof CheckDefinition]?: CheckDefinition[K] };

function checkDefinition(c: JsonObject, checkId: string, defaultName: string): Record<string, unknown> {
  for (const name of UNSUPPORTED_CHECKS) {
    if (field(c, name) !== undefined && field(c, name) !== '' && field(c, name) !== null) throw badRequest(`Invalid check: ${name} checks are not supported by this registry (HTTP, TCP, GRPC and TTL are)`);
  }
  const http = stringField(c, 'HTTP') ?? '';
  const tcp = stringField(c, 'TCP') ?? '';
  const grpc = stringField(c, 'GRPC') ?? '';
  const ttl = durationField(c, 'TTL') ?? 0;
  const interval = durationField(c, 'Interval') ?? 0;
  const timeout = durationField(c, 'Timeout') ?? 0;
  const status = stringField(c, 'Status') ?? '';
  if (status !== '' && status !== 'passing' && status !== 'warning' && status !== 'critical') throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
  const runs = http !== '' || tcp !== '' || grpc !== '';
  if (runs && interval <= 0) throw badRequest('Invalid check: Interval must be > 0 for HTTP, TCP or GRPC checks');
  if (!runs && ttl <= 0) throw badRequest('Invalid check: TTL must be > 0 for TTL checks');
  const check: CheckFields = {
    id: checkId,
    name: stringField(c, 'Name') || defaultName,
    kind: http !== '' ? 'http' : tcp !== '' ? 'tcp' : grpc !== '' ? 'grpc' : 'ttl',
    intervalMs: runs ? Math.max(MIN_INTERVAL_MS, Math.round(interval)) : DEFAULT_INTERVAL_MS,
    timeoutMs: timeout > 0 ? Math.max(1, Math.round(timeout)) : DEFAULT_TIMEOUT_MS,
    // Consul's 0 for either means "at once", as 1 does.
    successBeforePassing: Math.max(1, intField(c, 'SuccessBeforePassing') ?? 1),
    failuresBeforeCritical: Math.max(1, intField(c, 'FailuresBeforeCritical') ?? 1),
    deregisterCriticalAfterMs: Math.max(0, Math.round(durationField(c, 'DeregisterCriticalServiceAfter') ?? 0)),
    // Consul starts a check critical unless told otherwise.
    initialStatus: status === '' ? 'critical' : status,
  };
  if (http !== '') {
    check.http = http;
    check.method = stringField(c, 'Method') || 'GET';
  } else if (tcp !== '') check.tcp = tcp;
  else if (grpc !== '') check.grpc = grpc;
  else check.ttlMs = Math.max(1, Math.round(ttl));
  return check;
}
