// How a release is made, in one transaction: put releases/<n>, rewrite `current`, and (when it
// becomes current) rewrite the live keys — compared against `current`'s and the schema's mod
// revisions as they were read, so of two publishers exactly one wins and the other is told which
// release did. Publish, rollback, gray start and promote all go through here.
import type { CallOptions } from '../rpc/call-options.js';
import type { Compare, RequestOp } from '../store/mvcc/types.js';
import { conflict, type ConfigError } from './errors.js';
import { currentKey, grayKey, liveConfigKey, releaseKey, schemaKey, type ConfigItems, type CurrentRecord, type GraySelector, type Namespace, type ReleaseKind, type ReleaseRecord } from './layout.js';
import { encodeRecord } from './records.js';
import { encoder, readNamespace, readRelease, type ConfigKv, type NamespaceState } from './namespace-state.js';
import { sortedItems } from './items.js';

/** Who asks, and how their requests reach the store (as that user, when auth is on). */
export interface Actor {
  readonly author: string;
  readonly call?: CallOptions;
}

export interface ReleaseDraft {
  readonly kind: ReleaseKind;
  readonly items: ConfigItems;
  readonly message: string;
  readonly from?: number;
  readonly selector?: GraySelector;
}

export interface ReleasePlan {
  /** The new release runs everywhere (publish, rollback, promote); otherwise it is a gray release. */
  readonly becomesCurrent: boolean;
  /** The live keys as they are now: item → value (only read when the release becomes current). */
  readonly live: ReadonlyMap<string, string>;
  /** More to compare and do in the same transaction (the gray key, a draft reset). */
  readonly compare?: readonly Compare[];
  readonly ops?: readonly RequestOp[];
}

export const key = (text: string): Uint8Array => encoder.encode(text);

/** Puts and deletes that take the live keys from `live` to `items`. */
export function liveOps(ns: Namespace, live: ReadonlyMap<string, string>, items: ConfigItems): RequestOp[] {
  const ops: RequestOp[] = [];
  for (const [name, item] of Object.entries(items)) {
    if (live.get(name) !== item.value) ops.push({ type: 'put', request: { key: key(liveConfigKey(ns, name)), value: encoder.encode(item.value), lease: 0n } });
  }
  for (const name of live.keys()) if (!(name in items)) ops.push({ type: 'deleteRange', request: { key: key(liveConfigKey(ns, name)) } });
  return ops;
}

/** The compares that hold while nobody changed `current` or the schema since `state` was read. */
export function stateGuards(ns: Namespace, state: NamespaceState): Compare[] {
  return [
    { target: 'mod', modRevision: state.currentMod, result: 'equal', key: key(currentKey(ns)) },
    { target: 'mod', modRevision: state.schemaMod, result: 'equal', key: key(schemaKey(ns)) },
  ];
}

/** Makes the release; CONFIG_CONFLICT naming what won when another change came first. */
export async function commitRelease(kv: ConfigKv, ns: Namespace, state: NamespaceState, draft: ReleaseDraft, plan: ReleasePlan, actor: Actor): Promise<ReleaseRecord> {
  const base = state.current?.record.release ?? 0;
  const number = (state.current?.record.lastRelease ?? 0) + 1;
  const record: ReleaseRecord = {
    release: number,
    kind: draft.kind,
    message: draft.message,
    author: actor.author,
    time: new Date().toISOString(),
    items: sortedItems(draft.items),
    base,
    ...(draft.from !== undefined ? { from: draft.from } : {}),
    ...(draft.selector !== undefined ? { selector: draft.selector } : {}),
    schemaRevision: state.schemaMod,
  };
  const current: CurrentRecord = plan.becomesCurrent ? { release: number, lastRelease: number } : { release: base, lastRelease: number };
  const ops: RequestOp[] = [
    { type: 'put', request: { key: key(releaseKey(ns, number)), value: encodeRecord(record), lease: 0n } },
    { type: 'put', request: { key: key(currentKey(ns)), value: encodeRecord(current), lease: 0n } },
    ...(plan.becomesCurrent ? liveOps(ns, plan.live, record.items) : []),
    ...(plan.ops ?? []),
  ];
  const res = await kv.write({ type: 'txn', request: { compare: [...stateGuards(ns, state), ...(plan.compare ?? [])], success: ops } }, actor.call);
  if (!res.response.succeeded) throw await whoWon(kv, ns, state, actor.call);
  return record;
}

/** The conflict to report after a guard failed: the release that came first, or what else changed. */
export async function whoWon(kv: ConfigKv, ns: Namespace, before: NamespaceState, call?: CallOptions): Promise<ConfigError> {
  const now = await readNamespace(kv, ns, call);
  const name = `${ns.app}/${ns.env}/${ns.cluster}`;
  if (now.currentMod !== before.currentMod && now.current) {
    const last = now.current.record.lastRelease;
    const won = await readRelease(kv, ns, last, call).catch(() => undefined);
    const by = won ? ` (${won.kind} by ${won.author})` : '';
    return conflict(`another change to ${name} came first: release ${last}${by}; read the namespace again and retry`, last);
  }
  if (now.schemaMod !== before.schemaMod) return conflict(`the schema of ${name} changed meanwhile; retry`);
  if (now.grayMod !== before.grayMod) return conflict(`the gray release of ${name} changed meanwhile; retry`);
  return conflict(`${name} changed meanwhile; retry`);
}

/** The compare that holds while the gray key is as it was read (mod 0: still absent). */
export function grayGuard(ns: Namespace, modRevision: number): Compare {
  return { target: 'mod', modRevision, result: 'equal', key: key(grayKey(ns)) };
}
