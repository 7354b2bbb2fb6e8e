// The writes: registering and deregistering a service instance, and a TTL check's reports. Each
// is one registry transaction; the answer waits (briefly) until this member's view shows it, so a
// read through the same member right after sees the change, as on a Consul agent.
import type { HealthStatus } from '../../registry/layout.js';
import type { RegistryView } from '../../registry/registry-view.js';
import { badRequest, ConsulHttpError } from './consul-error.js';
import { peerAddress, readBody, sendEmpty, type ConsulRequest } from './consul-request.js';
import { awaitInstanceById, findInstanceById, waitForView } from './instance-lookup.js';
import { parseBody, stringField } from './json-fields.js';
import { authorize } from './registry-access.js';
import { decodeServiceDefinition } from './service-definition.js';

/** How long an answer waits for this member's view to show its own write. */
const VIEW_WAIT_MS = 5000;
/** How long a request naming an unknown ID waits for a registration still on its way here. */
const UNKNOWN_ID_WAIT_MS = 1000;
/** Consul keeps this much of a check's output (its default check_output_max_size). */
const OUTPUT_MAX_BYTES = 4096;

/** PUT /v1/agent/service/register */
export async function registerService(r: ConsulRequest): Promise<void> {
  await authorize(r.source.auth, r.token, 'write', r.signal);
  const { service, id, record } = decodeServiceDefinition(parseBody(await readBody(r.req)), peerAddress(r.req));
  const { view, writer } = r.source.registry;
  // An ID names one instance: registering it under another service name moves it, as Consul's
  // agent replaces a service registered again under the same ID.
  // Check IDs name one check across the cluster (reports find it by ID alone).
  for (const check of record.checks) {
    const owner = view.findCheck(check.id)?.instance;
    if (owner && owner.id !== id) throw badRequest(`Invalid check: CheckID ${JSON.stringify(check.id)} is already registered for service ID ${JSON.stringify(owner.id)}`);
  }
  const previous = findInstanceById(view, id);
  if (previous && previous.service !== service) await writer.deregister(previous.service, id);
  const { revision } = await writer.register(service, id, record);
  await waitForView(view, revision, VIEW_WAIT_MS);
  sendEmpty(r);
}

/** PUT /v1/agent/service/deregister/:service_id */
export async function deregisterService(r: ConsulRequest): Promise<void> {
  await authorize(r.source.auth, r.token, 'write', r.signal);
  const id = r.rest;
  if (id === '') throw badRequest('Missing service ID');
  const { view, writer } = r.source.registry;
  const found = await awaitInstanceById(view, id, UNKNOWN_ID_WAIT_MS);
  if (!found) throw new ConsulHttpError(404, `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`);
  await writer.deregister(found.service, id);
  await waitUntil(view, () => view.get(found.service, id) === undefined, () => view.serviceIndex(found.service));
  sendEmpty(r);
}

/** PUT /v1/agent/check/pass|warn|fail/:check_id[?note=] */
export function reportCheck(status: HealthStatus): (r: ConsulRequest) => Promise<void> {
  return async (r) => {
    await authorize(r.source.auth, r.token, 'write', r.signal);
    await updateTtlCheck(r, r.rest, status, r.query.get('note') ?? '');
  };
}

/** PUT /v1/agent/check/update/:check_id with {"Status", "Output"} */
export async function updateCheck(r: ConsulRequest): Promise<void> {
  await authorize(r.source.auth, r.token, 'write', r.signal);
  const body = parseBody(await readBody(r.req));
  const status = stringField(body, 'Status') ?? '';
  if (status !== 'passing' && status !== 'warning' && status !== 'critical') throw badRequest(`Invalid check status: '${status}'`);
  await updateTtlCheck(r, r.rest, status, stringField(body, 'Output') ?? '');
}

async function updateTtlCheck(r: ConsulRequest, checkId: string, status: HealthStatus, rawOutput: string): Promise<void> {
  const { view } = r.source.registry;
  // Made only when answered: an Error's stack trace is a real share of a steady report's cost.
  const unknown = (): ConsulHttpError => new ConsulHttpError(404, `Unknown check ID ${JSON.stringify(checkId)}. Ensure that the check ID is passed, not the check name.`);
  if (checkId === '') throw unknown();
  let found = view.findCheck(checkId);
  if (!found) {
    await waitUntil(view, () => view.findCheck(checkId) !== undefined, () => view.registryIndex, UNKNOWN_ID_WAIT_MS);
    found = view.findCheck(checkId);
  }
  if (!found) throw unknown();
  // Consul takes reports for TTL checks only; the others' states come from running them.
  if (found.check.definition?.kind !== 'ttl') throw new ConsulHttpError(500, `CheckID ${JSON.stringify(checkId)} does not have associated TTL`);
  const output = truncateOutput(rawOutput);
  const result = await r.source.registry.report(checkId, status, output);
  if (result === 'no-check' || result === 'no-instance') throw unknown();
  if (result === 'written') {
    // Until the view shows a state written after the one the report found: this one, or one that
    // came after it (the check's expiry, another report), which would keep a wait for this
    // report's own status and output going to the end of VIEW_WAIT_MS.
    const before = found.check.modRevision;
    await waitUntil(view, () => {
      const now = view.findCheck(checkId)?.check;
      return now === undefined || now.modRevision > before;
    }, () => view.registryIndex);
  }
  sendEmpty(r);
}

/** Consul's truncation of a long check output, saying how much it kept. */
function truncateOutput(output: string): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= OUTPUT_MAX_BYTES) return output;
  return `${bytes.subarray(0, OUTPUT_MAX_BYTES).toString('utf8')} ... (captured ${OUTPUT_MAX_BYTES} of ${bytes.length} bytes)`;
}

/** Waits until `done()`, re-checking whenever `index()` moves, for at most `timeoutMs`. */
async function waitUntil(view: RegistryView, done: () => boolean, index: () => number, timeoutMs = VIEW_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    await view.waitFor(index, index(), left);
  }
}
