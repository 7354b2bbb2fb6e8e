// A namespace's schema: read, replaced (refused when the current release fails it, unless forced),
// removed. Its mod revision is what publishes compare, so a release is never checked against a
// schema that changed before it landed.
import { ConfigError, notFound } from './errors.js';
import { currentKey, schemaKey, namespaceName, type Namespace, type SchemaRecord } from './layout.js';
import { decodeSchema, encodeRecord } from './records.js';
import { key, type Actor } from './publish.js';
import { readNamespace, requireRelease, type ConfigKv } from './namespace-state.js';
import { checkItems, compileSchema } from './schema-check.js';

export type SchemaAnswer = SchemaRecord & { readonly revision: number };

export async function getSchema(kv: ConfigKv, ns: Namespace, actor: Actor): Promise<SchemaAnswer> {
  const found = (await kv.range({ key: key(schemaKey(ns)) }, false, actor.call)).kvs[0];
  if (!found) throw notFound(`namespace ${namespaceName(ns)} has no schema`);
  return { ...decodeSchema(found.value), revision: found.modRevision };
}

export async function putSchema(kv: ConfigKv, ns: Namespace, schema: unknown, force: boolean, actor: Actor): Promise<SchemaAnswer> {
  compileSchema(schema);
  const state = await readNamespace(kv, ns, actor.call);
  if (state.current && state.current.record.release > 0 && !force) {
    const release = await requireRelease(kv, ns, state.current.record.release, actor.call, state.revision);
    const failed = checkItems(schema, release.items);
    if (failed.length > 0) {
      throw new ConfigError('CONFIG_SCHEMA_INVALID', `the current release ${release.release} does not conform to this schema (force replaces it anyway)`, failed);
    }
  }
  const record: SchemaRecord = { schema: schema as Record<string, unknown>, author: actor.author, time: new Date().toISOString() };
  const res = await kv.write(
    {
      type: 'txn',
      request: {
        // The release checked is still current.
        compare: [{ target: 'mod', modRevision: state.currentMod, result: 'equal', key: key(currentKey(ns)) }],
        success: [{ type: 'put', request: { key: key(schemaKey(ns)), value: encodeRecord(record), lease: 0n } }],
      },
    },
    actor.call,
  );
  if (!res.response.succeeded) throw new ConfigError('CONFIG_CONFLICT', `namespace ${namespaceName(ns)} got a new release meanwhile; retry`);
  return { ...record, revision: res.response.revision };
}

export async function deleteSchema(kv: ConfigKv, ns: Namespace, actor: Actor): Promise<SchemaAnswer> {
  const res = await kv.write({ type: 'deleteRange', request: { key: key(schemaKey(ns)), prevKv: true } }, actor.call);
  const prev = res.response.prevKvs[0];
  if (!prev) throw notFound(`namespace ${namespaceName(ns)} has no schema`);
  return { ...decodeSchema(prev.value), revision: res.response.revision };
}
