// Gray releases: the draft published to the instances a selector picks (current stays), then
// promoted (a new release with the gray release's items becomes current) or abandoned. The `gray`
// key's mod revision guards each step, so one gray release runs at a time and it ends once.
import { badRequest, conflict, notFound } from './errors.js';
import { grayEndedKey, grayKey, namespaceName, type GrayEndedRecord, type GrayRecord, type GraySelector, type Namespace, type ReleaseRecord } from './layout.js';
import { commitRelease, grayGuard, key, type Actor } from './publish.js';
import { encodeRecord } from './records.js';
import { readLive, readNamespace, requireRelease, type ConfigKv } from './namespace-state.js';
import { requireConforming } from './schema-check.js';
import type { RequestOp } from '../store/mvcc/types.js';

export function checkSelector(labels: unknown, percent: unknown): GraySelector {
  const selector: { labels?: Record<string, string>; percent?: number } = {};
  if (labels !== undefined && labels !== null) {
    if (typeof labels !== 'object' || Array.isArray(labels)) throw badRequest('labels is an object of label → value');
    for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
      if (typeof v !== 'string') throw badRequest(`label ${k} must have a string value`);
    }
    if (Object.keys(labels).length > 0) selector.labels = labels as Record<string, string>;
  }
  if (percent !== undefined && percent !== null) {
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 100) throw badRequest('percent is an integer from 1 to 100');
    selector.percent = percent;
  }
  if (selector.labels === undefined && selector.percent === undefined) throw badRequest('a gray release needs labels, a percent, or both');
  return selector;
}

/** Publishes the draft as a gray release for the instances `selector` picks. */
export async function startGray(kv: ConfigKv, ns: Namespace, selector: GraySelector, message: string, actor: Actor): Promise<{ release: ReleaseRecord; gray: GrayRecord }> {
  const state = await readNamespace(kv, ns, actor.call);
  if (state.gray) throw conflict(`namespace ${namespaceName(ns)} already has gray release ${state.gray.record.release} under way; promote or abandon it first`, state.gray.record.release);
  requireConforming(state.schema?.record.schema, state.draft, 'the draft');
  const base = state.current?.record.release ?? 0;
  const number = (state.current?.record.lastRelease ?? 0) + 1;
  const gray: GrayRecord = { release: number, base, selector, author: actor.author, time: new Date().toISOString() };
  const release = await commitRelease(
    kv,
    ns,
    state,
    { kind: 'gray', items: state.draft, message, selector },
    { becomesCurrent: false, live: new Map(), compare: [grayGuard(ns, 0)], ops: [{ type: 'put', request: { key: key(grayKey(ns)), value: encodeRecord(gray), lease: 0n } }] },
    actor,
  );
  return { release, gray };
}

/** Every instance runs the gray release: a new release (kind promote) with its items becomes current. */
export async function promoteGray(kv: ConfigKv, ns: Namespace, message: string, actor: Actor): Promise<ReleaseRecord> {
  const state = await readNamespace(kv, ns, actor.call);
  if (!state.gray) throw notFound(`namespace ${namespaceName(ns)} has no gray release under way`);
  const grayRelease = await requireRelease(kv, ns, state.gray.record.release, actor.call, state.revision);
  requireConforming(state.schema?.record.schema, grayRelease.items, `gray release ${grayRelease.release}`);
  const live = await readLive(kv, ns, actor.call, state.revision);
  const number = (state.current?.record.lastRelease ?? 0) + 1;
  const ended: GrayEndedRecord = { release: grayRelease.release, outcome: 'promoted', author: actor.author, promotedAs: number, time: new Date().toISOString() };
  return commitRelease(
    kv,
    ns,
    state,
    { kind: 'promote', items: grayRelease.items, message: message || `promote gray release ${grayRelease.release}`, from: grayRelease.release },
    { becomesCurrent: true, live, compare: [grayGuard(ns, state.grayMod)], ops: endOps(ns, ended) },
    actor,
  );
}

function endOps(ns: Namespace, ended: GrayEndedRecord): RequestOp[] {
  return [
    { type: 'deleteRange', request: { key: key(grayKey(ns)) } },
    { type: 'put', request: { key: key(grayEndedKey(ns)), value: encodeRecord(ended), lease: 0n } },
  ];
}

/**
 * Ends the gray release without promoting it, if the gray key is still at `grayMod` (undefined: as
 * read now). Undefined when it was not (another change ended or replaced it first).
 */
export async function abandonGray(kv: ConfigKv, ns: Namespace, reason: string | undefined, actor: Actor, expected?: { readonly release: number; readonly modRevision: number }): Promise<GrayEndedRecord | undefined> {
  let target = expected;
  if (!target) {
    const state = await readNamespace(kv, ns, actor.call);
    if (!state.gray) throw notFound(`namespace ${namespaceName(ns)} has no gray release under way`);
    target = { release: state.gray.record.release, modRevision: state.grayMod };
  }
  const ended: GrayEndedRecord = { release: target.release, outcome: 'abandoned', author: actor.author, ...(reason ? { reason } : {}), time: new Date().toISOString() };
  const res = await kv.write({ type: 'txn', request: { compare: [grayGuard(ns, target.modRevision)], success: endOps(ns, ended) } }, actor.call);
  if (res.response.succeeded) return ended;
  if (expected) return undefined;
  throw conflict(`the gray release of ${namespaceName(ns)} changed meanwhile; retry`);
}
