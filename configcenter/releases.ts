// Releases: publish the draft, roll back to an earlier release, and read the history, one release,
// a release's items, or the differences between two item sets.
import { badRequest, conflict } from './errors.js';
import { diffItems, type ItemChange } from './diff.js';
import { sameItems } from './items.js';
import { draftKey, namespaceName, releasesPrefix, type ConfigItems, type Namespace, type ReleaseRecord } from './layout.js';
import { commitRelease, key, type Actor } from './publish.js';
import { decodeRelease, encodeRecord } from './records.js';
import { prefixRange, readLive, readNamespace, requireRelease, type ConfigKv, type NamespaceState } from './namespace-state.js';
import { requireConforming } from './schema-check.js';
import type { RequestOp } from '../store/mvcc/types.js';

export interface PublishOptions {
  readonly message?: string;
  /** Refuse (409) unless this release is current: the caller's read is still true. */
  readonly expectRelease?: number;
}

export type PublishResult = { readonly unchanged: false; readonly release: ReleaseRecord } | { readonly unchanged: true; readonly release: ReleaseRecord };

function checkExpected(ns: Namespace, state: NamespaceState, expectRelease: number | undefined): void {
  const now = state.current?.record.release ?? 0;
  if (expectRelease !== undefined && expectRelease !== now) throw conflict(`namespace ${namespaceName(ns)} runs release ${now}, not ${expectRelease}`, now);
}

/** Publishes the draft as the new current release; unchanged when it equals the current release. */
export async function publish(kv: ConfigKv, ns: Namespace, options: PublishOptions, actor: Actor): Promise<PublishResult> {
  const state = await readNamespace(kv, ns, actor.call);
  checkExpected(ns, state, options.expectRelease);
  const running = state.current && state.current.record.release > 0 ? await requireRelease(kv, ns, state.current.record.release, actor.call, state.revision) : undefined;
  if (running && sameItems(running.items, state.draft)) return { unchanged: true, release: running };
  requireConforming(state.schema?.record.schema, state.draft, 'the draft');
  const live = await readLive(kv, ns, actor.call, state.revision);
  const release = await commitRelease(kv, ns, state, { kind: 'publish', items: state.draft, message: options.message ?? '' }, { becomesCurrent: true, live }, actor);
  return { unchanged: false, release };
}

/** A new release with release n's items; the draft is reset to them in the same transaction. */
export async function rollback(kv: ConfigKv, ns: Namespace, to: number, options: PublishOptions, actor: Actor): Promise<ReleaseRecord> {
  const state = await readNamespace(kv, ns, actor.call);
  checkExpected(ns, state, options.expectRelease);
  const target = await requireRelease(kv, ns, to, actor.call, state.revision);
  requireConforming(state.schema?.record.schema, target.items, `release ${to}`);
  const live = await readLive(kv, ns, actor.call, state.revision);
  // The draft becomes the release's items: what differs is put, what the release lacks is deleted
  // (etcd refuses a txn that deletes a range and puts a key inside it).
  const ops: RequestOp[] = [];
  for (const [name, item] of Object.entries(target.items)) {
    const had = state.draft[name];
    if (had?.value !== item.value || had.format !== item.format) ops.push({ type: 'put', request: { key: key(draftKey(ns, name)), value: encodeRecord(item), lease: 0n } });
  }
  for (const name of Object.keys(state.draft)) if (!(name in target.items)) ops.push({ type: 'deleteRange', request: { key: key(draftKey(ns, name)) } });
  return commitRelease(kv, ns, state, { kind: 'rollback', items: target.items, message: options.message || `rollback to release ${to}`, from: to }, { becomesCurrent: true, live, ops }, actor);
}

export type ReleaseSummary = Omit<ReleaseRecord, 'items'> & { readonly itemCount: number };

/** Releases newest first, without their items; at most `limit` (0: all). */
export async function history(kv: ConfigKv, ns: Namespace, limit: number, actor: Actor): Promise<ReleaseSummary[]> {
  const r = await kv.range({ ...prefixRange(releasesPrefix(ns)), sortOrder: 'descend', sortTarget: 'key', limit }, false, actor.call);
  return r.kvs.map((kv) => {
    const { items, ...rest } = decodeRelease(kv.value);
    return { ...rest, itemCount: Object.keys(items).length };
  });
}

/** What `from`/`to` and `?release=` name: a release number, the current release, or the draft. */
export type ItemsRef = number | 'current' | 'draft';

export function parseItemsRef(text: string | null, fallback: ItemsRef): ItemsRef {
  if (text === null || text === '') return fallback;
  if (text === 'current' || text === 'draft') return text;
  if (/^[1-9][0-9]{0,9}$/.test(text)) return Number(text);
  throw badRequest(`a release is a positive number, "current" or "draft", not ${JSON.stringify(text)}`);
}

/** The items `ref` names, and the release number it resolves to ("draft" for the draft; 0: no release). */
export async function itemsAt(kv: ConfigKv, ns: Namespace, ref: ItemsRef, actor: Actor, state?: NamespaceState): Promise<{ release: number | 'draft'; items: ConfigItems }> {
  if (ref === 'draft') return { release: 'draft', items: (state ?? (await readNamespace(kv, ns, actor.call))).draft };
  let number = ref;
  if (ref === 'current') {
    const s = state ?? (await readNamespace(kv, ns, actor.call));
    number = s.current?.record.release ?? 0;
    if (number === 0) return { release: 0, items: {} };
  }
  const release = await requireRelease(kv, ns, number as number, actor.call, state?.revision ?? 0);
  return { release: release.release, items: release.items };
}

export async function diff(kv: ConfigKv, ns: Namespace, from: ItemsRef, to: ItemsRef, actor: Actor): Promise<{ from: number | 'draft'; to: number | 'draft'; changes: ItemChange[] }> {
  const state = await readNamespace(kv, ns, actor.call);
  const [a, b] = await Promise.all([itemsAt(kv, ns, from, actor, state), itemsAt(kv, ns, to, actor, state)]);
  return { from: a.release, to: b.release, changes: diffItems(a.items, b.items) };
}

export async function release(kv: ConfigKv, ns: Namespace, n: number, actor: Actor): Promise<ReleaseRecord> {
  return requireRelease(kv, ns, n, actor.call);
}
