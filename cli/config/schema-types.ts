// `lodestone config schema types`: TypeScript declarations for a namespace's items, derived from its
// JSON Schema by json-schema-to-typescript, to type the object a program reads (config<T>(ns)).
import { compile, type JSONSchema } from 'json-schema-to-typescript';

/** "my_service/prod/default" → "MyServiceConfig" (the app's name in PascalCase). */
export function typeNameFor(namespace: string): string {
  const app = namespace.split('/')[0] ?? 'namespace';
  const words = app.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return `${/^[0-9]/.test(pascal) ? `N${pascal}` : pascal || 'Namespace'}Config`;
}

/** The declarations: one exported interface (or type) named `name`, and the types it uses. */
export async function schemaTypes(schema: Readonly<Record<string, unknown>>, name: string, namespace: string): Promise<string> {
  // The schema's own title would rename the root type: the name asked for wins.
  const { title: _title, ...rest } = schema;
  return compile(rest as JSONSchema, name, {
    bannerComment: `// The items of config namespace ${namespace}, from its JSON Schema (lodestone config schema types).`,
    additionalProperties: false,
    strictIndexSignatures: true,
    format: true,
    unknownAny: true,
  });
}
