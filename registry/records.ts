// The registry's JSON values: written strictly (validateInstance), read leniently (decodeInstance),
// because any etcd client may have written them — the client's register() stores whatever value it
// is given, with the address as `address` or `host`.
import {
  DEFAULT_SETTINGS,
  DEFAULT_WEIGHTS,
  HEALTH_STATUSES,
  RegistryLayoutError,
  type CheckDefinition,
  type CheckKind,
  type HealthRecord,
  type HealthStatus,
  type InstanceRecord,
  type InstanceWeights,
  type ServiceSettings,
} from './layout.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

type Json = Record<string, unknown>;

function parseObject(value: Uint8Array): Json | undefined {
  try {
    const v: unknown = JSON.parse(decoder.decode(value));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

export function encodeJson(value: InstanceRecord | HealthRecord | ServiceSettings): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export const isHealthStatus = (v: unknown): v is HealthStatus => HEALTH_STATUSES.includes(v as HealthStatus);

/** An instance as stored, whoever wrote it: what cannot be read is left at its default. */
export function decodeInstance(value: Uint8Array): InstanceRecord {
  const o = parseObject(value) ?? {};
  const address = typeof o['address'] === 'string' ? o['address'] : typeof o['host'] === 'string' ? o['host'] : '';
  const port = isPort(o['port']) ? o['port'] : 0;
  const tags = Array.isArray(o['tags']) ? o['tags'].filter((t): t is string => typeof t === 'string') : [];
  const meta = isStringMap(o['meta']) ? o['meta'] : {};
  const weights = readWeights(o['weights']) ?? DEFAULT_WEIGHTS;
  const checks: CheckDefinition[] = [];
  if (Array.isArray(o['checks'])) {
    for (const c of o['checks']) {
      try {
        checks.push(validateCheck(c, 'check'));
      } catch {
        // A check nobody can run is left out rather than failing the whole instance.
      }
    }
  }
  return { address, port, tags, meta, weights, checks };
}

/** An instance about to be written: every field checked, with the path of the first that is wrong. */
export function validateInstance(input: unknown): InstanceRecord {
  const o = object(input, 'instance');
  const address = optional(o, 'address', 'string', '');
  const port = o['port'] === undefined ? 0 : o['port'];
  if (!isPort(port)) throw new RegistryLayoutError('instance.port must be an integer from 0 to 65535');
  const tags = o['tags'] === undefined ? [] : o['tags'];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new RegistryLayoutError('instance.tags must be a list of strings');
  const meta = o['meta'] === undefined ? {} : o['meta'];
  if (!isStringMap(meta)) throw new RegistryLayoutError('instance.meta must map strings to strings');
  const weights = o['weights'] === undefined ? DEFAULT_WEIGHTS : readWeights(o['weights']);
  if (!weights) throw new RegistryLayoutError('instance.weights must be { passing, warning }, integers from 0 to 65535');
  const rawChecks = o['checks'] === undefined ? [] : o['checks'];
  if (!Array.isArray(rawChecks)) throw new RegistryLayoutError('instance.checks must be a list');
  const checks = rawChecks.map((c, i) => validateCheck(c, `instance.checks[${i}]`));
  const ids = new Set<string>();
  for (const c of checks) {
    if (ids.has(c.id)) throw new RegistryLayoutError(`instance.checks: the check id ${JSON.stringify(c.id)} is used twice`);
    ids.add(c.id);
  }
  return { address, port, tags: [...tags] as string[], meta, weights, checks };
}

const KINDS: readonly CheckKind[] = ['http', 'tcp', 'grpc', 'ttl'];

export function validateCheck(input: unknown, path: string): CheckDefinition {
  const o = object(input, path);
  const id = optional(o, 'id', 'string', '');
  if (id.length === 0 || id.includes('/')) throw new RegistryLayoutError(`${path}.id must be non-empty text without "/"`);
  const kind = o['kind'];
  if (!KINDS.includes(kind as CheckKind)) throw new RegistryLayoutError(`${path}.kind must be one of ${KINDS.join(', ')}`);
  const target = { http: o['http'], tcp: o['tcp'], grpc: o['grpc'] }[kind as Exclude<CheckKind, 'ttl'>];
  if (kind !== 'ttl' && (typeof target !== 'string' || target.length === 0)) throw new RegistryLayoutError(`${path}.${String(kind)} must name what to check`);
  const ms = (field: string, fallback: number, min: number): number => {
    const v = o[field] === undefined ? fallback : o[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RegistryLayoutError(`${path}.${field} must be an integer ≥ ${min}`);
    return v;
  };
  const ttlMs = kind === 'ttl' ? ms('ttlMs', 0, 1) : undefined;
  const initialStatus = o['initialStatus'] === undefined ? 'critical' : o['initialStatus'];
  if (!isHealthStatus(initialStatus)) throw new RegistryLayoutError(`${path}.initialStatus must be passing, warning or critical`);
  return {
    id,
    name: optional(o, 'name', 'string', id),
    kind: kind as CheckKind,
    ...(kind === 'http' ? { http: target as string, method: optional(o, 'method', 'string', 'GET') } : {}),
    ...(kind === 'tcp' ? { tcp: target as string } : {}),
    ...(kind === 'grpc' ? { grpc: target as string } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    intervalMs: ms('intervalMs', 10_000, 100),
    timeoutMs: ms('timeoutMs', 10_000, 1),
    successBeforePassing: ms('successBeforePassing', 1, 1),
    failuresBeforeCritical: ms('failuresBeforeCritical', 1, 1),
    deregisterCriticalAfterMs: ms('deregisterCriticalAfterMs', 0, 0),
    initialStatus,
  };
}

export function decodeHealth(value: Uint8Array): HealthRecord | undefined {
  const o = parseObject(value);
  if (!o || !isHealthStatus(o['status'])) return undefined;
  return { status: o['status'], output: typeof o['output'] === 'string' ? o['output'] : '', since: typeof o['since'] === 'number' ? o['since'] : 0 };
}

export function decodeSettings(value: Uint8Array): ServiceSettings {
  const o = parseObject(value) ?? {};
  const t = o['protectThreshold'];
  return typeof t === 'number' && t >= 0 && t <= 1 ? { protectThreshold: t } : DEFAULT_SETTINGS;
}

export function validateSettings(input: unknown): ServiceSettings {
  const o = object(input, 'settings');
  const t = o['protectThreshold'] ?? 0;
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new RegistryLayoutError('settings.protectThreshold must be a number from 0 to 1');
  return { protectThreshold: t };
}

function object(input: unknown, path: string): Json {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new RegistryLayoutError(`${path} must be a JSON object`);
  return input as Json;
}

function optional(o: Json, field: string, type: 'string', fallback: string): string {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== type) throw new RegistryLayoutError(`${field} must be a ${type}`);
  return v as string;
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function readWeights(v: unknown): InstanceWeights | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const w = v as Json;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535;
  const passing = w['passing'] ?? 1;
  const warning = w['warning'] ?? 1;
  return ok(passing) && ok(warning) ? { passing, warning } : undefined;
}
