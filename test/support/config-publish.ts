// Writes a namespace's config-center keys the way the members' publish, gray, promote and abandon
// do (configcenter/layout.ts): one transaction each, guarded by `current`'s mod revision. For tests
// of the parts that only read those keys, so they do not depend on the HTTP API.
import type { KvClient } from '../../client/kv-client.js';
import { Op, type TxnOp } from '../../client/txn-builder.js';
import {
  currentKey,
  grayEndedKey,
  grayKey,
  liveConfigKey,
  liveConfigPrefix,
  parseNamespace,
  releaseKey,
  type ConfigItem,
  type ConfigItems,
  type CurrentRecord,
  type GrayEndedRecord,
  type GrayRecord,
  type GraySelector,
  type Namespace,
  type ReleaseKind,
  type ReleaseRecord,
} from '../../configcenter/layout.js';

export type TestItems = Readonly<Record<string, string | ConfigItem>>;

function items(input: TestItems): ConfigItems {
  const out: Record<string, ConfigItem> = {};
  for (const [k, v] of Object.entries(input)) out[k] = typeof v === 'string' ? { value: v, format: 'text' } : v;
  return out;
}

async function state(kv: KvClient, ns: Namespace): Promise<{ current: CurrentRecord | undefined; mod: number; gray: GrayRecord | undefined }> {
  const c = await kv.get(currentKey(ns));
  const g = await kv.get(grayKey(ns));
  return { current: c?.json() as CurrentRecord | undefined, mod: c?.modRevision ?? 0, gray: g?.json() as GrayRecord | undefined };
}

async function commit(kv: KvClient, ns: Namespace, mod: number, ops: TxnOp[]): Promise<void> {
  const r = await kv.txn().if(currentKey(ns), 'mod', '==', mod).then(...ops).commit();
  if (!r.succeeded) throw new Error(`${currentKey(ns)} changed meanwhile`);
}

function release(n: number, kind: ReleaseKind, its: ConfigItems, base: number, extra: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return { release: n, kind, message: `${kind} ${n}`, author: 'test', time: new Date().toISOString(), items: its, base, schemaRevision: 0, ...extra };
}

/** The live keys rewritten: items put, keys of removed items deleted (one op per key, as etcd requires). */
async function liveOps(kv: KvClient, ns: Namespace, its: ConfigItems): Promise<TxnOp[]> {
  const prefix = liveConfigPrefix(ns);
  const there = (await kv.range({ prefix, keysOnly: true })).kvs.map((k) => new TextDecoder().decode(k.key).slice(prefix.length));
  return [...there.filter((k) => !(k in its)).map((k) => Op.delete(liveConfigKey(ns, k))), ...Object.entries(its).map(([k, v]) => Op.put(liveConfigKey(ns, k), v.value))];
}

/** Publishes `input` as the namespace's next release (kind publish), or as a gray release with `gray`. Returns its number. */
export async function publishForTest(kv: KvClient, namespace: string, input: TestItems, options: { readonly gray?: GraySelector } = {}): Promise<number> {
  const ns = parseNamespace(namespace);
  const { current, mod } = await state(kv, ns);
  const n = (current?.lastRelease ?? 0) + 1;
  const base = current?.release ?? 0;
  const its = items(input);
  if (options.gray) {
    const gray: GrayRecord = { release: n, base, selector: options.gray, author: 'test', time: new Date().toISOString() };
    await commit(kv, ns, mod, [
      Op.put(releaseKey(ns, n), JSON.stringify(release(n, 'gray', its, base, { selector: options.gray }))),
      Op.put(currentKey(ns), JSON.stringify({ release: base, lastRelease: n } satisfies CurrentRecord)),
      Op.put(grayKey(ns), JSON.stringify(gray)),
    ]);
    return n;
  }
  await commit(kv, ns, mod, [
    Op.put(releaseKey(ns, n), JSON.stringify(release(n, 'publish', its, base))),
    Op.put(currentKey(ns), JSON.stringify({ release: n, lastRelease: n } satisfies CurrentRecord)),
    ...(await liveOps(kv, ns, its)),
  ]);
  return n;
}

/** Promotes the gray release under way: a new release with its items becomes current. Returns its number. */
export async function promoteForTest(kv: KvClient, namespace: string): Promise<number> {
  const ns = parseNamespace(namespace);
  const { current, mod, gray } = await state(kv, ns);
  if (!gray) throw new Error('no gray release');
  const grayRelease = (await kv.get(releaseKey(ns, gray.release)))!.json() as ReleaseRecord;
  const n = (current?.lastRelease ?? 0) + 1;
  const ended: GrayEndedRecord = { release: gray.release, outcome: 'promoted', author: 'test', promotedAs: n, time: new Date().toISOString() };
  await commit(kv, ns, mod, [
    Op.put(releaseKey(ns, n), JSON.stringify(release(n, 'promote', grayRelease.items, current?.release ?? 0, { from: gray.release }))),
    Op.put(currentKey(ns), JSON.stringify({ release: n, lastRelease: n } satisfies CurrentRecord)),
    Op.delete(grayKey(ns)),
    Op.put(grayEndedKey(ns), JSON.stringify(ended)),
    ...(await liveOps(kv, ns, grayRelease.items)),
  ]);
  return n;
}

/** Abandons the gray release under way: its instances go back to the current release. */
export async function abandonForTest(kv: KvClient, namespace: string, reason = 'test'): Promise<void> {
  const ns = parseNamespace(namespace);
  const { mod, gray } = await state(kv, ns);
  if (!gray) throw new Error('no gray release');
  const ended: GrayEndedRecord = { release: gray.release, outcome: 'abandoned', author: 'test', reason, time: new Date().toISOString() };
  await commit(kv, ns, mod, [Op.delete(grayKey(ns)), Op.put(grayEndedKey(ns), JSON.stringify(ended))]);
}
