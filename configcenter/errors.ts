// The config center's failures, each with a stable code that the HTTP API, the CLI and the client
// show as they are; the HTTP API maps each code to its status (http/config/config-error.ts).
/**
 * Every code, with the HTTP status it answers with: 400 bad request (bad JSON, name or value); 401/403
 * permission denied; 404 not found; 409 conflict (another change came first, a gray release under
 * way); 422 schema invalid (the release fails it) or schema bad (it does not compile); 503
 * unavailable; 500 internal.
 */
export const CONFIG_ERROR_CODES = [
  'CONFIG_BAD_REQUEST',
  'CONFIG_PERMISSION_DENIED',
  'CONFIG_NOT_FOUND',
  'CONFIG_CONFLICT',
  'CONFIG_SCHEMA_INVALID',
  'CONFIG_SCHEMA_BAD',
  'CONFIG_UNAVAILABLE',
  'CONFIG_INTERNAL',
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** One place where items fail a schema: ajv's instancePath ('' for the whole object) and message. */
export interface SchemaViolation {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    /** CONFIG_SCHEMA_INVALID: where the items fail the schema. */
    readonly errors?: readonly SchemaViolation[],
    /** CONFIG_CONFLICT: the release that won, when another write did. */
    readonly release?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ConfigError => new ConfigError('CONFIG_BAD_REQUEST', message);
export const notFound = (message: string): ConfigError => new ConfigError('CONFIG_NOT_FOUND', message);
export const conflict = (message: string, release?: number): ConfigError => new ConfigError('CONFIG_CONFLICT', message, undefined, release);

export function isConfigError(e: unknown, code?: ConfigErrorCode): e is ConfigError {
  return e instanceof ConfigError && (code === undefined || e.code === code);
}
