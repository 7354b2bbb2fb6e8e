// What each config route is handed: the namespace and the rest of the path, the query, the JSON
// body (read on demand), and the actor — who asks, and the call options under which the member
// runs its reads and writes as that user when auth is on.
import type { IncomingMessage } from 'node:http';
import type { CallOptions, CallSignal } from '../../rpc/call-options.js';
import { isEtcdError } from '../../rpc/etcd-errors.js';
import type { AuthInfo } from '../../store/auth/auth-state.js';
import type { Actor } from '../../configcenter/config-center.js';
import type { Namespace } from '../../configcenter/layout.js';
import { badRequest } from '../../configcenter/errors.js';
import { ConfigHttpError, unauthenticated } from './config-error.js';
import { readBody as readRawBody } from '../request-body.js';

/** The part of the member's auth the API asks (the member's AuthManager). */
export interface ConfigAuth {
  isEnabled(): boolean;
  identify(call: CallOptions | undefined): Promise<AuthInfo | undefined>;
}

export interface ConfigRequest {
  readonly req: IncomingMessage;
  readonly query: URLSearchParams;
  /** Undefined for the namespace list. */
  readonly ns: Namespace | undefined;
  /** The path after the namespace: '' (the namespace), 'items', 'items/<item>', 'publish'… */
  readonly rest: readonly string[];
  readonly signal: CallSignal;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return readRawBody(req, () => new ConfigHttpError(413, 'CONFIG_BAD_REQUEST', 'request body too large'));
}

/** The body as a JSON object; an empty body is {}. */
export async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the body is a JSON object');
  return v as Record<string, unknown>;
}

/** etcd's gateway takes the token as the Authorization header's whole value; "Bearer <token>" is taken too. */
export function requestToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const bearer = header.match(/^Bearer\s+(.+)$/i);
  return (bearer ? bearer[1]! : header).trim();
}

/**
 * Who asks. With auth on, the token's user, whose permissions the member checks on every key the
 * operation touches; `author` is then that user, whatever the body says. With auth off, the author
 * the body names, else "anonymous".
 */
export async function actorFor(auth: ConfigAuth, req: IncomingMessage, signal: CallSignal, named: unknown): Promise<Actor> {
  if (!auth.isEnabled()) {
    const author = typeof named === 'string' && named.trim() !== '' ? named.trim() : 'anonymous';
    return { author, call: { signal } };
  }
  const token = requestToken(req);
  if (token === undefined) throw unauthenticated('auth is enabled: send a token from etcd\'s Authenticate in the Authorization header');
  const call: CallOptions = { auth: { token }, signal };
  let who: AuthInfo | undefined;
  try {
    who = await auth.identify(call);
  } catch (e) {
    if (isEtcdError(e, 'ETCD_INVALID_AUTH_TOKEN')) throw unauthenticated('the token is not valid (expired, or never issued)');
    throw e;
  }
  if (!who || who.username === '') throw unauthenticated('the token names no user');
  return { author: who.username, call };
}
