// `lodestone config schema set | get | delete | types`: a namespace's JSON Schema, read from a JSON
// or YAML file, and the TypeScript types derived from it.
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { fullNamespace } from '../../client/config-center/admin-client.js';
import { json } from '../service/output.js';
import { ConfigCommandError } from './command-error.js';
import { withConfigCenter } from './connection.js';
import type { ConfigFlags } from './flags.js';
import { schemaTypes, typeNameFor } from './schema-types.js';

export interface SchemaSetFlags extends ConfigFlags {
  readonly author?: string;
  readonly force?: boolean;
}

export interface SchemaTypesFlags extends ConfigFlags {
  readonly name?: string;
  readonly output?: string;
}

/** A schema file: JSON, or YAML (which JSON is a part of); its top level must be an object. */
export async function readSchemaFile(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  let schema: unknown;
  try {
    schema = parseYaml(text);
  } catch (e) {
    throw new ConfigCommandError(`${path} is neither JSON nor YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new ConfigCommandError(`${path}: a schema is a JSON object`);
  return schema as Record<string, unknown>;
}

export async function schemaSet(ns: string, file: string, flags: SchemaSetFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const schema = await readSchemaFile(file);
  const put = await withConfigCenter(flags, (admin) =>
    admin.setSchema(namespace, schema, { ...(flags.author === undefined ? {} : { author: flags.author }), ...(flags.force ? { force: true } : {}) }),
  );
  if (flags.writeOut === 'json') return console.log(json({ namespace, ...put }));
  console.log(`set the schema of ${namespace} (revision ${put.revision}): every publish, rollback, gray release and promote is checked against it`);
}

export async function schemaGet(ns: string, flags: ConfigFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const found = await withConfigCenter(flags, (admin) => admin.schema(namespace));
  if (!found) throw new ConfigCommandError(`${namespace} has no schema`);
  console.log(flags.writeOut === 'json' ? json({ namespace, ...found }) : JSON.stringify(found.schema, null, 2));
}

export async function schemaDelete(ns: string, flags: ConfigFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  await withConfigCenter(flags, (admin) => admin.deleteSchema(namespace));
  console.log(flags.writeOut === 'json' ? json({ namespace, deleted: true }) : `deleted the schema of ${namespace}`);
}

export async function schemaTypesAction(ns: string, flags: SchemaTypesFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const found = await withConfigCenter(flags, (admin) => admin.schema(namespace));
  if (!found) throw new ConfigCommandError(`${namespace} has no schema to derive types from`);
  const types = await schemaTypes(found.schema, flags.name ?? typeNameFor(namespace), namespace);
  if (flags.output === undefined) {
    process.stdout.write(types);
    return;
  }
  await writeFile(flags.output, types);
  console.error(`wrote ${flags.output}`);
}
