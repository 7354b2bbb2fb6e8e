// The config center's errors as the client raises them: the API's stable code and message, the HTTP
// status it came with, and for a schema refusal each violation (ajv's instance path and message).
import { CONFIG_ERROR_CODES, type SchemaViolation } from '../../configcenter/errors.js';
import { ClientError, type ConfigErrorCode } from '../errors.js';

export type { ConfigErrorCode, SchemaViolation };

const CODES: ReadonlySet<string> = new Set(CONFIG_ERROR_CODES);

/** The code an HTTP status means when the body names none (a proxy's answer, say). */
function codeForStatus(status: number): ConfigErrorCode {
  if (status === 400) return 'CONFIG_BAD_REQUEST';
  if (status === 401 || status === 403) return 'CONFIG_PERMISSION_DENIED';
  if (status === 404) return 'CONFIG_NOT_FOUND';
  if (status === 409) return 'CONFIG_CONFLICT';
  if (status === 422) return 'CONFIG_SCHEMA_INVALID';
  if (status === 503) return 'CONFIG_UNAVAILABLE';
  return 'CONFIG_INTERNAL';
}

export class ConfigCenterError extends ClientError {
  declare readonly code: ConfigErrorCode;

  constructor(
    code: ConfigErrorCode,
    message: string,
    /** The HTTP status of the answer. */
    readonly status: number,
    /** CONFIG_SCHEMA_INVALID: each way the release fails the schema; empty otherwise. */
    readonly errors: readonly SchemaViolation[] = [],
    /** CONFIG_CONFLICT: the release that won, when another publisher's did. */
    readonly release?: number,
  ) {
    super(code, message);
    this.name = 'ConfigCenterError';
  }
}

export function isConfigCenterError(e: unknown, code?: ConfigErrorCode): e is ConfigCenterError {
  return e instanceof ConfigCenterError && (code === undefined || e.code === code);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The error an answer with a non-2xx status carries: `{ error: { code, message }, errors? }`. */
export function errorFromAnswer(status: number, body: unknown, fallbackText = ''): ConfigCenterError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const rawCode = typeof error?.code === 'string' ? error.code : undefined;
  const code = rawCode !== undefined && CODES.has(rawCode) ? (rawCode as ConfigErrorCode) : codeForStatus(status);
  const message =
    typeof error?.message === 'string' && error.message.length > 0
      ? error.message
      : `the member answered HTTP ${status}${fallbackText ? `: ${fallbackText.trim().slice(0, 200)}` : ''}`;
  const list = isRecord(error) && Array.isArray(error.errors) ? error.errors : isRecord(body) && Array.isArray(body.errors) ? body.errors : [];
  const errors = list.filter(isRecord).map((v) => ({ path: typeof v.path === 'string' ? v.path : '', message: typeof v.message === 'string' ? v.message : JSON.stringify(v) }));
  const release = typeof error?.release === 'number' ? error.release : undefined;
  return new ConfigCenterError(code, message, status, errors, release);
}
