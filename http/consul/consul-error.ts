// The errors Consul's HTTP API answers with: a status code and a plain-text reason, which its
// clients show as they are (python-consul raises on the code, Go's api package quotes the text).
import type { ServerResponse } from 'node:http';

export class ConsulHttpError extends Error {
  override readonly name = 'ConsulHttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** The methods a 405 names in its Allow header. */
    readonly allow?: readonly string[],
  ) {
    super(message);
  }
}

/** Consul's acl.ErrPermissionDenied: the token may not do this. */
export const permissionDenied = (): ConsulHttpError => new ConsulHttpError(403, 'Permission denied');

/** Consul's acl.ErrNotFound: the token is not one the cluster knows. */
export const aclNotFound = (): ConsulHttpError => new ConsulHttpError(403, 'ACL not found');

export const badRequest = (reason: string): ConsulHttpError => new ConsulHttpError(400, reason);

/** Consul writes the reason alone, without a newline, as text. */
export function sendConsulError(res: ServerResponse, error: ConsulHttpError): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(error.message)) };
  if (error.allow) headers['Allow'] = error.allow.join(',');
  res.writeHead(error.statusCode, headers);
  res.end(error.message);
}
