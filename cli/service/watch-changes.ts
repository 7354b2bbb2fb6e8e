// What `lodestone service watch` prints: each change to the watched instances, worked out by
// comparing the view's instances before and after each revision it applies — an instance
// registered, deregistered or re-registered with another record, or a check's state changed.
import type { HealthStatus } from '../../registry/layout.js';
import type { RegistryView } from '../../registry/registry-view.js';
import { instanceJson, type InstanceJson } from './service-listing.js';

export type ChangeKind = 'present' | 'registered' | 'updated' | 'deregistered' | 'check';

export interface InstanceChange {
  readonly event: ChangeKind;
  /** The registry revision the change is in (for `present`: the revision the watch started at). */
  readonly revision: number;
  readonly service: string;
  readonly id: string;
  /** The instance after the change (before it, for `deregistered`). */
  readonly address: string;
  readonly port: number;
  readonly status: HealthStatus;
  /** For `check`: which, and its state before and after. */
  readonly check?: { readonly id: string; readonly from: HealthStatus; readonly to: HealthStatus; readonly output: string };
}

type Snapshot = Map<string, InstanceJson>;

const refOf = (i: InstanceJson): string => `${i.service}/${i.id}`;

/** What the record says, leaving out the states that `check` events report. */
function recordOf(i: InstanceJson): string {
  return JSON.stringify({ ...i, status: undefined, checks: i.checks.map((c) => ({ ...c, status: undefined, output: undefined, since: undefined })) });
}

function snapshot(view: RegistryView, service: string | undefined): Snapshot {
  const names = service === undefined ? view.serviceNames() : [service];
  return new Map(names.flatMap((s) => view.instances(s)).map((i) => [`${i.service}/${i.id}`, instanceJson(i)]));
}

function change(event: ChangeKind, revision: number, i: InstanceJson, check?: InstanceChange['check']): InstanceChange {
  return { event, revision, service: i.service, id: i.id, address: i.address, port: i.port, status: i.status, ...(check ? { check } : {}) };
}

export function diff(before: Snapshot, after: Snapshot, revision: number): InstanceChange[] {
  const out: InstanceChange[] = [];
  for (const [ref, now] of after) {
    const was = before.get(ref);
    if (!was) {
      out.push(change('registered', revision, now));
      continue;
    }
    if (recordOf(was) !== recordOf(now)) out.push(change('updated', revision, now));
    for (const c of now.checks) {
      const old = was.checks.find((x) => x.id === c.id);
      if (old && (old.status !== c.status || old.output !== c.output)) out.push(change('check', revision, now, { id: c.id, from: old.status, to: c.status, output: c.output }));
    }
  }
  for (const [ref, was] of before) if (!after.has(ref)) out.push(change('deregistered', revision, was));
  return out.sort((a, b) => (a.service === b.service ? a.id.localeCompare(b.id) : a.service.localeCompare(b.service)));
}

/**
 * Calls `emit` with the instances there now (`present`), then with every change until the returned
 * function is called. `service` undefined watches every service.
 */
export function followChanges(view: RegistryView, service: string | undefined, emit: (c: InstanceChange) => void): () => void {
  let last = snapshot(view, service);
  for (const i of [...last.values()].sort((a, b) => refOf(a).localeCompare(refOf(b)))) emit(change('present', view.revision, i));
  return view.onChange((services, revision) => {
    if (service !== undefined && !services.has(service)) return;
    const now = snapshot(view, service);
    for (const c of diff(last, now, revision)) emit(c);
    last = now;
  });
}

/** One line of -w table output. */
export function changeLine(c: InstanceChange, at: Date): string {
  const head = `${at.toISOString()}  rev ${c.revision}  ${c.event.padEnd(12)}  ${c.service}/${c.id}`;
  if (c.event === 'deregistered') return head;
  if (c.check) return `${head}  ${c.check.id}  ${c.check.from} -> ${c.check.to}${c.check.output ? `  ${c.check.output.replace(/\s+/g, ' ')}` : ''}`;
  return `${head}  ${c.address}:${c.port}  ${c.status}`;
}
