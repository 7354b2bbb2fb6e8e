// A namespace's JSON Schema, compiled with ajv and run over the object { item: value } (items.ts):
// allErrors, so a refusal lists every failure at once, and coerceTypes, so a text item "100" passes
// `type: integer` (most items are text). A schema naming draft 2020-12 is read as such; any other
// as draft-07, ajv's default.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConfigError, type SchemaViolation } from './errors.js';
import { schemaInput } from './items.js';
import type { ConfigItems } from './layout.js';

const OPTIONS = { allErrors: true, coerceTypes: true, strict: false } as const;

/** The compiled form of a schema, or CONFIG_SCHEMA_BAD saying why it does not compile. */
export function compileSchema(schema: unknown): ValidateFunction {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new ConfigError('CONFIG_SCHEMA_BAD', 'a schema is a JSON object (a JSON Schema)');
  const dialect = (schema as Record<string, unknown>)['$schema'];
  const ajv = typeof dialect === 'string' && dialect.includes('2020-12') ? new Ajv2020(OPTIONS) : new Ajv(OPTIONS);
  try {
    return ajv.compile(schema);
  } catch (e) {
    throw new ConfigError('CONFIG_SCHEMA_BAD', `the schema does not compile: ${(e as Error).message}`);
  }
}

export function violations(errors: readonly ErrorObject[] | null | undefined): SchemaViolation[] {
  return (errors ?? []).map((e) => ({ path: e.instancePath, message: e.message ?? e.keyword }));
}

/** The ways the items fail the schema; empty when they conform. */
export function checkItems(schema: unknown, items: ConfigItems): SchemaViolation[] {
  const validate = compileSchema(schema);
  return validate(schemaInput(items)) ? [] : violations(validate.errors);
}

/** CONFIG_SCHEMA_INVALID when the items fail the schema (no schema: nothing to check). */
export function requireConforming(schema: unknown, items: ConfigItems, what: string): void {
  if (schema === undefined) return;
  const failed = checkItems(schema, items);
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new ConfigError('CONFIG_SCHEMA_INVALID', `${what} does not conform to the namespace's schema: ${first.path || '/'} ${first.message}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}`, failed);
  }
}
