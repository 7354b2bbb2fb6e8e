// What register() takes, turned into the registry's InstanceRecord (registry/layout.ts) with
// Consul's defaults for checks, and checked field by field before anything is written.
import { RegistryLayoutError, type CheckKind, type HealthStatus, type InstanceRecord, type InstanceWeights } from '../registry/layout.js';
import { validateInstance } from '../registry/records.js';
import { ClientError } from './errors.js';

/** A health check as register() takes it. Durations in milliseconds. */
export interface CheckInput {
  /** Unique in the cluster. Default: `service:<instance id>`, or `service:<instance id>:<n>` when there are several (Consul's). */
  readonly id?: string;
  /** Default: `Service '<service>' check`. */
  readonly name?: string;
  /** Which kind; by default the one whose target is given (http, tcp, grpc), else ttl. */
  readonly kind?: CheckKind;
  /** The URL a member asks with GET (2xx passing, 429 warning, anything else critical). */
  readonly http?: string;
  readonly method?: string;
  /** "host:port" a member connects to. */
  readonly tcp?: string;
  /** "host:port[/service]" a member asks grpc.health.v1.Health/Check. */
  readonly grpc?: string;
  /** A TTL check: the instance reports (registration.report) at least this often, or it turns critical. */
  readonly ttlMs?: number;
  /** How often a member runs the check. Default 10 s. */
  readonly intervalMs?: number;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** Results in a row before a failing check turns passing. Default 1. */
  readonly successBeforePassing?: number;
  /** Failures in a row before a passing check turns critical. Default 1. */
  readonly failuresBeforeCritical?: number;
  /** A persistent instance critical this long is deregistered by the members (0, the default: never). */
  readonly deregisterCriticalAfterMs?: number;
  /** The state before the first result. Default critical, as Consul's. */
  readonly initialStatus?: HealthStatus;
}

/** The instance's fields, as register() and registration.update() take them. */
export interface InstanceFields {
  /** An IP address or host name. Default "". */
  readonly address?: string;
  /** Default 0. */
  readonly port?: number;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  /** How much traffic picking sends it while passing, or warning. Default { passing: 1, warning: 1 }. */
  readonly weights?: Partial<InstanceWeights>;
  readonly checks?: readonly CheckInput[];
}

/** Thrown before anything is written when a field of an instance does not fit. */
export class InvalidInstanceError extends ClientError {
  constructor(
    /** The field at fault, e.g. "instance.checks[0].intervalMs". */
    readonly field: string,
    message: string,
  ) {
    super('LODESTONE_INVALID_ARGUMENT', message);
    this.name = 'InvalidInstanceError';
  }
}

const DEFAULT_CHECK_MS = 10_000;

function checkDefaults(service: string, id: string, checks: readonly CheckInput[]): Record<string, unknown>[] {
  return checks.map((c, i) => {
    if (c === null || typeof c !== 'object') return c;
    const kind = c.kind ?? (c.http !== undefined ? 'http' : c.tcp !== undefined ? 'tcp' : c.grpc !== undefined ? 'grpc' : 'ttl');
    return {
      ...c,
      id: c.id ?? (checks.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`),
      name: c.name ?? `Service '${service}' check`,
      kind,
      intervalMs: c.intervalMs ?? DEFAULT_CHECK_MS,
      timeoutMs: c.timeoutMs ?? DEFAULT_CHECK_MS,
    };
  });
}

/** The record to store; throws InvalidInstanceError naming the first field that is wrong. */
export function instanceRecord(service: string, id: string, fields: InstanceFields): InstanceRecord {
  const raw: Record<string, unknown> = { ...fields };
  if (fields.weights !== undefined && fields.weights !== null && typeof fields.weights === 'object') raw['weights'] = { passing: 1, warning: 1, ...fields.weights };
  if (Array.isArray(fields.checks)) raw['checks'] = checkDefaults(service, id, fields.checks);
  try {
    return validateInstance(raw);
  } catch (e) {
    if (!(e instanceof RegistryLayoutError)) throw e;
    const field = /^[^\s:]+/.exec(e.message)?.[0] ?? 'instance';
    throw new InvalidInstanceError(field.startsWith('instance') ? field : `instance.${field}`, e.message);
  }
}
