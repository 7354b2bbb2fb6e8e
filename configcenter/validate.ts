// A dry run of the schema check a publish makes: the draft (or any release) against the namespace's
// schema as it is now, without writing anything, so a console or a script can show every violation
// before anyone presses publish. The same checkItems the publish path calls decides, so the two never
// disagree about a draft that has not changed in between.
import type { ConfigKv } from './namespace-state.js';
import { readNamespace } from './namespace-state.js';
import type { SchemaViolation } from './errors.js';
import type { Namespace } from './layout.js';
import type { Actor } from './publish.js';
import { itemsAt, type ItemsRef } from './releases.js';
import { checkItems } from './schema-check.js';

export interface ValidationAnswer {
  /** What was checked: a release number, or "draft". */
  readonly release: number | 'draft';
  /** Whether the namespace has a schema at all (none: everything conforms). */
  readonly hasSchema: boolean;
  /** The schema's mod revision checked against (0: no schema): a publish compares the same one. */
  readonly schemaRevision: number;
  readonly valid: boolean;
  readonly errors: readonly SchemaViolation[];
  /** The revision the namespace was read at. */
  readonly revision: number;
}

export async function validateItems(kv: ConfigKv, ns: Namespace, ref: ItemsRef, actor: Actor): Promise<ValidationAnswer> {
  const state = await readNamespace(kv, ns, actor.call);
  const { release, items } = await itemsAt(kv, ns, ref, actor, state);
  const schema = state.schema?.record.schema;
  const errors = schema === undefined ? [] : checkItems(schema, items);
  return { release, hasSchema: schema !== undefined, schemaRevision: state.schemaMod, valid: errors.length === 0, errors, revision: state.revision };
}
