// GET /ui/api/session: whether auth is on and, for the caller's token, who it is and what it may do,
// so the console offers only what the server would allow (the server refuses the rest anyway).
// An absent or stale token is not an error here: the answer says there is no user, and the
// console shows its login page.
import { isEtcdError } from '../../rpc/etcd-errors.js';
import type { ConsoleApiRoute } from './console-api.js';

const ROOT = 'root';

export interface SessionPermission {
  readonly type: 'read' | 'write' | 'readwrite';
  /** Keys as text (latin1 keeps any bytes); rangeEnd '' is the key alone, '\0' every key from it on. */
  readonly key: string;
  readonly rangeEnd: string;
}

export interface SessionAnswer {
  readonly authEnabled: boolean;
  readonly member: string;
  /** Undefined with auth off; null when the token is missing or no longer valid. */
  readonly user?: string | null;
  readonly roles?: readonly string[];
  /** The root role may do everything, including what the cluster page offers. */
  readonly root?: boolean;
  readonly permissions?: readonly SessionPermission[];
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

export const sessionRoute: ConsoleApiRoute = {
  async GET({ source, call }) {
    const base = { authEnabled: source.auth.isEnabled(), member: source.memberName };
    if (!base.authEnabled) return { status: 200, body: base satisfies SessionAnswer };
    if (call.auth?.token === undefined) return { status: 200, body: { ...base, user: null } satisfies SessionAnswer };
    let who;
    try {
      who = await source.auth.identify(call);
    } catch (e) {
      if (isEtcdError(e, 'ETCD_INVALID_AUTH_TOKEN')) return { status: 200, body: { ...base, user: null } satisfies SessionAnswer };
      throw e;
    }
    if (!who) return { status: 200, body: { ...base, user: null } satisfies SessionAnswer };
    const roles = await source.auth.userGet(who.username, call);
    const permissions: SessionPermission[] = [];
    for (const role of roles) {
      for (const p of (await source.auth.roleGet(role, call)).permissions) permissions.push({ type: p.type, key: text(p.key), rangeEnd: text(p.rangeEnd) });
    }
    const answer: SessionAnswer = { ...base, user: who.username, roles, root: roles.includes(ROOT), permissions };
    return { status: 200, body: answer };
  },
};
