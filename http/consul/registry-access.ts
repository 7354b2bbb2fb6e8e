// Who may use the registry through Consul's API once etcd's auth is on: a request carries a token
// (X-Consul-Token, "Authorization: Bearer", or ?token=) that must be a valid etcd auth token —
// simple or JWT, from etcd's Authenticate — whose user may read (GET) or read and write (PUT) the
// registry's keys, as the same user would need through etcd's own API. Consul's refusals: 403
// "ACL not found" for a token nobody issued, 403 "Permission denied" for no token or too few
// permissions. With auth off, every request is served.
import type { IncomingMessage } from 'node:http';
import type { CallOptions, CallSignal } from '../../rpc/call-options.js';
import { isEtcdError } from '../../rpc/etcd-errors.js';
import type { AuthInfo, AuthState } from '../../store/auth/auth-state.js';
import { registryRange } from '../../registry/layout.js';
import { aclNotFound, permissionDenied } from './consul-error.js';

/** The part of the member's auth that the API asks (the member's AuthManager). */
export interface RegistryAuth {
  isEnabled(): boolean;
  identify(call: CallOptions | undefined): Promise<AuthInfo | undefined>;
  check(f: (state: AuthState) => void): void;
}

export type RegistryAccessKind = 'read' | 'write';

export function requestToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = req.headers.authorization;
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i);
  if (bearer) return bearer[1]!.trim();
  const param = query.get('token');
  return param !== null && param !== '' ? param : undefined;
}

/** `signal` ends a wait for the login a simple token names, when the client leaves. */
export async function authorize(auth: RegistryAuth, token: string | undefined, kind: RegistryAccessKind, signal?: CallSignal): Promise<void> {
  if (!auth.isEnabled()) return;
  if (token === undefined) throw permissionDenied();
  let who: AuthInfo | undefined;
  try {
    who = await auth.identify(signal ? { auth: { token }, signal } : { auth: { token } });
  } catch (e) {
    if (isEtcdError(e, 'ETCD_INVALID_AUTH_TOKEN')) throw aclNotFound();
    throw e;
  }
  const range = registryRange();
  try {
    auth.check((s) => {
      s.checkKeys(who, 'read', range.key, range.rangeEnd);
      if (kind === 'write') s.checkKeys(who, 'write', range.key, range.rangeEnd);
    });
  } catch (e) {
    if (isEtcdError(e)) throw permissionDenied();
    throw e;
  }
}
