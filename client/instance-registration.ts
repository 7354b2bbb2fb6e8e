// register(): an instance of a service in the registry (registry/layout.ts), with the checks the
// members run for it. Ephemeral by default: on a lease this process keeps alive, so the instance goes
// when the process dies (within the TTL), and is written again under a new lease if the lease
// expired while the process lived on. `persistent: true`: no lease; it stays until deregistered,
// and the members' checks alone say whether it is healthy.
import { checkName, instanceKey, RegistryLayoutError, type HealthStatus, type InstanceRecord } from '../registry/layout.js';
import { ClientError } from './errors.js';
import { instanceRecord, type InstanceFields } from './instance-input.js';
import { removeInstance, renewTtlClock, writeCheckState, writeInstance, type ReportOutcome } from './instance-writes.js';
import type { KvClient, Lease } from './kv-client.js';
import { keepOnLease, type LeasedKeys } from './leased-keys.js';

export interface RegisterOptions extends InstanceFields {
  /** Seconds an ephemeral instance outlives its process (raised to the cluster's minimum). Default 10. */
  readonly ttl?: number;
  /** No lease: the instance stays until deregister(), whatever becomes of this process. */
  readonly persistent?: boolean;
}

export interface Registration {
  readonly service: string;
  readonly id: string;
  /** The instance's key. */
  readonly key: string;
  /** The record as stored, with the checks' defaults filled in. */
  readonly record: InstanceRecord;
  /** The lease that keeps an ephemeral instance (a new one after an expiry); undefined when persistent. */
  readonly lease: Lease | undefined;
  /** Changes some of the instance's fields; the others stay. A check that stays keeps its state. */
  update(fields: InstanceFields): Promise<void>;
  /**
   * A check's result as the instance reports it (Consul's check pass / warn / fail): for a TTL
   * check, it also starts its clock over — it turns critical when no report comes within its TTL.
   */
  report(checkId: string, status: HealthStatus, output?: string): Promise<ReportOutcome>;
  /** Removes the instance now, and stops keeping it. */
  deregister(): Promise<void>;
  /** Stops keeping the instance: an ephemeral one is removed now, a persistent one stays. */
  close(): Promise<void>;
}

/** A registration on a lease (not `persistent`). */
export interface EphemeralRegistration extends Registration {
  readonly lease: Lease;
}

/** The service each client registered last: what its discover() calls record as the consumer. */
const registeredService = new WeakMap<KvClient, string>();

export function serviceRegisteredBy(client: KvClient): string | undefined {
  return registeredService.get(client);
}

function checkedName(what: string, name: string): string {
  try {
    return checkName(what, name);
  } catch (e) {
    if (e instanceof RegistryLayoutError) throw new ClientError('LODESTONE_INVALID_ARGUMENT', e.message);
    throw e;
  }
}

/** Registers an instance of `service` named `id` (unique within the service). */
export function register(client: KvClient, service: string, id: string, options?: RegisterOptions & { readonly persistent?: false }): Promise<EphemeralRegistration>;
export function register(client: KvClient, service: string, id: string, options: RegisterOptions): Promise<Registration>;
export async function register(client: KvClient, service: string, id: string, options: RegisterOptions = {}): Promise<Registration> {
  checkedName('service name', service);
  checkedName('instance id', id);
  const { ttl = 10, persistent = false, ...fields } = options;
  let record = instanceRecord(service, id, fields);
  let given: InstanceFields = fields;
  let kept: LeasedKeys | undefined;
  let closed = false;
  if (persistent) await writeInstance(client, service, id, record, 0n);
  else kept = await keepOnLease(client, ttl, async (lease) => void (await writeInstance(client, service, id, record, lease.id)));
  registeredService.set(client, service);

  const registration: Registration = {
    service,
    id,
    key: instanceKey(service, id),
    get record() {
      return record;
    },
    get lease() {
      return kept?.lease;
    },
    async update(changes: InstanceFields) {
      const next = { ...given, ...changes };
      const nextRecord = instanceRecord(service, id, next);
      await writeInstance(client, service, id, nextRecord, kept?.lease.id ?? 0n);
      given = next;
      record = nextRecord;
    },
    async report(checkId: string, status: HealthStatus, output = '') {
      const check = record.checks.find((c) => c.id === checkId);
      if (!check) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `${service}/${id} has no check ${JSON.stringify(checkId)} (it has ${record.checks.map((c) => c.id).join(', ') || 'none'})`);
      // The clock first, so that an expiry racing this report cannot land after it.
      if (check.kind === 'ttl' && check.ttlMs !== undefined) await renewTtlClock(client, checkId, check.ttlMs);
      return writeCheckState(client, service, id, checkId, status, output);
    },
    async deregister() {
      closed = true;
      await kept?.close(true);
      await removeInstance(client, service, id);
    },
    async close() {
      if (closed) return;
      closed = true;
      await kept?.close(true);
    },
  };
  return registration;
}
