// Reads across namespaces and of one whole namespace: the list with each one's release and gray
// release, a namespace's view (current release, draft, schema, gray state), and who runs what.
import { notFound } from './errors.js';
import { sameItems } from './items.js';
import { NAMESPACES_PREFIX, appliedPrefix, currentKey, grayKey, namespaceName, namespaceRange, splitNamespaceKey, type AppliedRecord, type ConfigItems, type GrayEndedRecord, type GrayRecord, type Namespace, type ReleaseRecord } from './layout.js';
import type { Actor } from './publish.js';
import { decodeApplied, decodeCurrent, decodeGray } from './records.js';
import { encoder, prefixRange, readNamespace, requireRelease, type ConfigKv } from './namespace-state.js';
import { namespaceStatus, type NamespaceStatus } from './status.js';
import type { SchemaAnswer } from './schema.js';

const decoder = new TextDecoder();

export interface NamespaceSummary {
  readonly namespace: string;
  /** 0: no release yet. */
  readonly release: number;
  /** The gray release under way, or null. */
  readonly gray: number | null;
}

export async function listNamespaces(kv: ConfigKv, actor: Actor): Promise<NamespaceSummary[]> {
  const keys = await kv.range({ ...prefixRange(NAMESPACES_PREFIX), keysOnly: true }, false, actor.call);
  const found = new Map<string, Namespace>();
  for (const kv of keys.kvs) {
    const split = splitNamespaceKey(decoder.decode(kv.key));
    if (split) found.set(namespaceName(split.ns), split.ns);
  }
  const names = [...found.keys()].sort();
  return Promise.all(
    names.map(async (name) => {
      const ns = found.get(name)!;
      const at = { revision: keys.revision };
      const [current, gray] = await Promise.all([
        kv.range({ key: encoder.encode(currentKey(ns)), ...at }, true, actor.call),
        kv.range({ key: encoder.encode(grayKey(ns)), ...at }, true, actor.call),
      ]);
      return {
        namespace: name,
        release: current.kvs[0] ? decodeCurrent(current.kvs[0].value).release : 0,
        gray: gray.kvs[0] ? decodeGray(gray.kvs[0].value).release : null,
      };
    }),
  );
}

export interface NamespaceView {
  readonly namespace: string;
  readonly current: ReleaseRecord | null;
  readonly draft: ConfigItems;
  /** The draft differs from the current release's items (what a publish would change). */
  readonly draftChanged: boolean;
  readonly schema: SchemaAnswer | null;
  readonly gray: GrayRecord | null;
  readonly grayEnded: GrayEndedRecord | null;
  readonly revision: number;
}

export async function viewNamespace(kv: ConfigKv, ns: Namespace, actor: Actor): Promise<NamespaceView> {
  const exists = await kv.range({ ...namespaceRange(ns), countOnly: true }, false, actor.call);
  if (exists.count === 0) throw notFound(`namespace ${namespaceName(ns)} does not exist`);
  const state = await readNamespace(kv, ns, actor.call);
  const number = state.current?.record.release ?? 0;
  const current = number > 0 ? await requireRelease(kv, ns, number, actor.call, state.revision) : null;
  return {
    namespace: namespaceName(ns),
    current,
    draft: state.draft,
    draftChanged: !sameItems(current?.items ?? {}, state.draft),
    schema: state.schema ? { ...state.schema.record, revision: state.schema.modRevision } : null,
    gray: state.gray?.record ?? null,
    grayEnded: state.grayEnded ?? null,
    revision: state.revision,
  };
}

export async function readApplied(kv: ConfigKv, ns: Namespace, actor: Actor, revision = 0): Promise<AppliedRecord[]> {
  const r = await kv.range({ ...prefixRange(appliedPrefix(ns)), revision }, revision > 0, actor.call);
  return r.kvs.map((k) => decodeApplied(k.value)).filter((a): a is AppliedRecord => a !== undefined);
}

export async function status(kv: ConfigKv, ns: Namespace, actor: Actor): Promise<NamespaceStatus> {
  const state = await readNamespace(kv, ns, actor.call);
  const applied = await readApplied(kv, ns, actor, state.revision);
  return namespaceStatus(state.current?.record, state.gray?.record, applied);
}
