// Reads of one namespace's keys, all at one revision: what each change decides from, and the mod
// revisions its transaction then compares so that nobody changed them in between.
import type { CallOptions } from '../rpc/call-options.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import { prefixEnd } from '../store/mvcc/key-bytes.js';
import type { KeyValue } from '../store/mvcc/types.js';
import { notFound } from './errors.js';
import { currentKey, draftPrefix, grayEndedKey, grayKey, liveConfigPrefix, releaseKey, schemaKey, type ConfigItem, type ConfigItems, type CurrentRecord, type GrayEndedRecord, type GrayRecord, type Namespace, type ReleaseRecord, type SchemaRecord } from './layout.js';
import { decodeCurrent, decodeGray, decodeGrayEnded, decodeItem, decodeRelease, decodeSchema } from './records.js';

/** What the config center needs of a KV store: a member's backend (run as the caller), or a client. */
export type ConfigKv = Pick<KvBackend, 'range' | 'write'>;

export const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A record with the mod revision it was read at (0: the key is missing). */
export interface Stored<T> {
  readonly record: T;
  readonly modRevision: number;
}

export interface NamespaceState {
  /** The revision every part was read at. */
  readonly revision: number;
  readonly current: Stored<CurrentRecord> | undefined;
  readonly schema: Stored<SchemaRecord> | undefined;
  readonly gray: Stored<GrayRecord> | undefined;
  readonly grayEnded: GrayEndedRecord | undefined;
  readonly draft: ConfigItems;
  /** Mod revision of the current key, 0 when missing: what a change compares. */
  readonly currentMod: number;
  readonly schemaMod: number;
  readonly grayMod: number;
}

export function prefixRange(prefix: string): { key: Uint8Array; rangeEnd: Uint8Array } {
  const key = encoder.encode(prefix);
  return { key, rangeEnd: prefixEnd(Uint8Array.from(key)) };
}

function stored<T>(kv: KeyValue | undefined, decode: (v: Uint8Array) => T): Stored<T> | undefined {
  return kv ? { record: decode(kv.value), modRevision: kv.modRevision } : undefined;
}

export function itemsOf(kvs: readonly KeyValue[], prefixLength: number): ConfigItems {
  const items: Record<string, ConfigItem> = {};
  for (const kv of kvs) items[decoder.decode(kv.key).slice(prefixLength)] = decodeItem(kv.value);
  return items;
}

/** The namespace's current, schema, gray, gray-ended and draft keys, read at one revision. */
export async function readNamespace(kv: ConfigKv, ns: Namespace, call?: CallOptions): Promise<NamespaceState> {
  const first = await kv.range({ key: encoder.encode(currentKey(ns)) }, false, call);
  const at = first.revision;
  const one = (key: string): Promise<KeyValue | undefined> => kv.range({ key: encoder.encode(key), revision: at }, true, call).then((r) => r.kvs[0]);
  const draftRange = prefixRange(draftPrefix(ns));
  const [schema, gray, grayEnded, draft] = await Promise.all([
    one(schemaKey(ns)),
    one(grayKey(ns)),
    one(grayEndedKey(ns)),
    kv.range({ ...draftRange, revision: at }, true, call),
  ]);
  const current = stored(first.kvs[0], decodeCurrent);
  const schemaRecord = stored(schema, decodeSchema);
  const grayRecord = stored(gray, decodeGray);
  return {
    revision: at,
    current,
    schema: schemaRecord,
    gray: grayRecord,
    grayEnded: grayEnded ? decodeGrayEnded(grayEnded.value) : undefined,
    draft: itemsOf(draft.kvs, draftPrefix(ns).length),
    currentMod: current?.modRevision ?? 0,
    schemaMod: schemaRecord?.modRevision ?? 0,
    grayMod: grayRecord?.modRevision ?? 0,
  };
}

/** Release n, or undefined; `revision` reads it as of then (0: now). */
export async function readRelease(kv: ConfigKv, ns: Namespace, release: number, call?: CallOptions, revision = 0): Promise<ReleaseRecord | undefined> {
  const r = await kv.range({ key: encoder.encode(releaseKey(ns, release)), revision }, revision > 0, call);
  return r.kvs[0] ? decodeRelease(r.kvs[0].value) : undefined;
}

export async function requireRelease(kv: ConfigKv, ns: Namespace, release: number, call?: CallOptions, revision = 0): Promise<ReleaseRecord> {
  const found = await readRelease(kv, ns, release, call, revision);
  if (!found) throw notFound(`namespace ${ns.app}/${ns.env}/${ns.cluster} has no release ${release}`);
  return found;
}

/** The live keys' values now: item → plain value. */
export async function readLive(kv: ConfigKv, ns: Namespace, call?: CallOptions, revision = 0): Promise<Map<string, string>> {
  const prefix = liveConfigPrefix(ns);
  const r = await kv.range({ ...prefixRange(prefix), revision }, revision > 0, call);
  return new Map(r.kvs.map((k) => [decoder.decode(k.key).slice(prefix.length), decoder.decode(k.value)]));
}
