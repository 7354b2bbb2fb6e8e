// Edits to a namespace's draft, the working copy of its items: one key per item, checked against its
// format before it is written.
import { notFound } from './errors.js';
import { checkFormat, checkItem, checkName } from './items.js';
import { draftKey, namespaceName, type ItemFormat, type Namespace } from './layout.js';
import { decodeItem, encodeRecord } from './records.js';
import { key, type Actor } from './publish.js';
import type { ConfigKv } from './namespace-state.js';

/** Sets a draft item; `format` defaults to the item's format in the draft, else text. */
export async function setDraftItem(kv: ConfigKv, ns: Namespace, name: string, value: unknown, format: unknown, actor: Actor): Promise<{ revision: number }> {
  const k = key(draftKey(ns, checkName(name)));
  let chosen: ItemFormat;
  if (format === undefined || format === null) {
    const had = (await kv.range({ key: k }, false, actor.call)).kvs[0];
    chosen = had ? decodeItem(had.value).format : 'text';
  } else chosen = checkFormat(format);
  const item = checkItem(name, value, chosen);
  const res = await kv.write({ type: 'put', request: { key: k, value: encodeRecord(item), lease: 0n } }, actor.call);
  return { revision: res.response.revision };
}

export async function deleteDraftItem(kv: ConfigKv, ns: Namespace, name: string, actor: Actor): Promise<{ revision: number }> {
  const res = await kv.write({ type: 'deleteRange', request: { key: key(draftKey(ns, checkName(name))) } }, actor.call);
  if (res.response.deleted === 0) throw notFound(`the draft of ${namespaceName(ns)} has no item ${name}`);
  return { revision: res.response.revision };
}
