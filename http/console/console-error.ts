// How the console's own API routes fail: an HTTP status and `{ error: { code, message } }`, as the
// config API answers. etcd's errors keep etcd's message: permission denied → 403, a missing or bad
// token → 401, a cluster that cannot answer now → 503.
import type { ServerResponse } from 'node:http';
import { asEtcdError } from '../../rpc/error-mapping.js';

export type ConsoleErrorCode = 'CONSOLE_BAD_REQUEST' | 'CONSOLE_UNAUTHENTICATED' | 'CONSOLE_PERMISSION_DENIED' | 'CONSOLE_NOT_FOUND' | 'CONSOLE_UNAVAILABLE' | 'CONSOLE_INTERNAL';

export class ConsoleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ConsoleErrorCode,
    message: string,
    readonly allow?: readonly string[],
  ) {
    super(message);
  }
}

const UNAUTHENTICATED = new Set(['ETCD_INVALID_AUTH_TOKEN', 'ETCD_USER_EMPTY', 'ETCD_AUTH_OLD_REVISION', 'ETCD_AUTH_FAILED']);

export function consoleErrorAnswer(e: unknown): ConsoleHttpError {
  if (e instanceof ConsoleHttpError) return e;
  const etcd = asEtcdError(e);
  if (etcd) {
    if (etcd.code === 'ETCD_PERMISSION_DENIED') return new ConsoleHttpError(403, 'CONSOLE_PERMISSION_DENIED', etcd.message);
    if (UNAUTHENTICATED.has(etcd.code)) return new ConsoleHttpError(401, 'CONSOLE_UNAUTHENTICATED', etcd.message);
    return new ConsoleHttpError(503, 'CONSOLE_UNAVAILABLE', etcd.message);
  }
  return new ConsoleHttpError(500, 'CONSOLE_INTERNAL', e instanceof Error ? e.message : String(e));
}

export function sendConsoleJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

export function sendConsoleError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const err = consoleErrorAnswer(e);
  sendConsoleJson(res, err.status, { error: { code: err.code, message: err.message } }, err.allow ? { Allow: err.allow.join(', ') } : {});
}
