// How the config center's failures answer over HTTP: a status for each stable code and the JSON body
// `{ error: { code, message } }` (with `errors` for a schema refusal, `release` for a conflict).
// etcd's own errors become the config center's: permission denied → 403, a bad token → 401, a
// request too large → 400, anything of a cluster that cannot answer now → 503.
import type { ServerResponse } from 'node:http';
import { ConfigError, type ConfigErrorCode } from '../../configcenter/errors.js';
import { ConfigLayoutError } from '../../configcenter/layout.js';
import { asEtcdError } from '../../rpc/error-mapping.js';

const STATUS: Record<ConfigErrorCode, number> = {
  CONFIG_BAD_REQUEST: 400,
  CONFIG_PERMISSION_DENIED: 403,
  CONFIG_NOT_FOUND: 404,
  CONFIG_CONFLICT: 409,
  CONFIG_SCHEMA_INVALID: 422,
  CONFIG_SCHEMA_BAD: 422,
  CONFIG_UNAVAILABLE: 503,
  CONFIG_INTERNAL: 500,
};

/** A config error with its HTTP status: 401 for a missing or unknown token, where the code says 403. */
export class ConfigHttpError extends ConfigError {
  constructor(
    readonly status: number,
    code: ConfigErrorCode,
    message: string,
    readonly allow?: readonly string[],
  ) {
    super(code, message);
  }
}

export const unauthenticated = (message: string): ConfigHttpError => new ConfigHttpError(401, 'CONFIG_PERMISSION_DENIED', message);

const UNAUTHENTICATED = new Set(['ETCD_INVALID_AUTH_TOKEN', 'ETCD_USER_EMPTY', 'ETCD_AUTH_OLD_REVISION', 'ETCD_AUTH_FAILED']);
const TOO_BIG = new Set(['ETCD_REQUEST_TOO_LARGE', 'ETCD_TOO_MANY_OPS']);

/** The status and body a failure answers with. */
export function errorAnswer(e: unknown): { status: number; body: Record<string, unknown>; allow?: readonly string[] } {
  let error: ConfigError;
  let status: number;
  // The store's own errors (a permission refused where the write is applied) are etcd's too.
  const etcd = asEtcdError(e);
  if (e instanceof ConfigHttpError) {
    error = e;
    status = e.status;
  } else if (e instanceof ConfigError) {
    error = e;
    status = STATUS[e.code];
  } else if (e instanceof ConfigLayoutError) {
    error = new ConfigError('CONFIG_BAD_REQUEST', e.message);
    status = 400;
  } else if (etcd) {
    if (etcd.code === 'ETCD_PERMISSION_DENIED') [status, error] = [403, new ConfigError('CONFIG_PERMISSION_DENIED', etcd.message)];
    else if (UNAUTHENTICATED.has(etcd.code)) [status, error] = [401, new ConfigError('CONFIG_PERMISSION_DENIED', etcd.message)];
    else if (TOO_BIG.has(etcd.code)) [status, error] = [400, new ConfigError('CONFIG_BAD_REQUEST', etcd.message)];
    else [status, error] = [503, new ConfigError('CONFIG_UNAVAILABLE', etcd.message)];
  } else {
    [status, error] = [500, new ConfigError('CONFIG_INTERNAL', e instanceof Error ? e.message : String(e))];
  }
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.errors) body['errors'] = error.errors;
  if (error.release !== undefined) body['release'] = error.release;
  const answer: { status: number; body: Record<string, unknown>; allow?: readonly string[] } = { status, body: { error: body } };
  if (e instanceof ConfigHttpError && e.allow) answer.allow = e.allow;
  return answer;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const answer = errorAnswer(e);
  sendJson(res, answer.status, answer.body, answer.allow ? { Allow: answer.allow.join(', ') } : {});
}
