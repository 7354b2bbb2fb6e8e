// client.auth: etcd's Auth API — users, roles, their key permissions, and turning auth on and off —
// as etcd's own clients offer it (UserAdd, RoleGrantPermission, AuthEnable, …). With auth on, only a
// client logged in as a user with the root role may use it (connect({ auth })); an embedded node's
// own calls are the member's and are not checked.
import { keySpan, type KeySelector, type KeySpan } from './bytes.js';
import { ClientError } from './errors.js';
import type { Safety } from './retry.js';
import type { TransportAuth } from './transport.js';

/** What a role's permission allows on its keys. */
export type PermissionType = 'read' | 'write' | 'readwrite';

/** A role's permission: one key (no rangeEnd), or the keys in [key, rangeEnd) (rangeEnd "\0": every key from key on). */
export interface RolePermission extends KeySpan {
  readonly type: PermissionType;
}

export interface AuthStatus {
  readonly enabled: boolean;
  /** The auth store's revision: it moves with every change to users, roles or the enabled flag. */
  readonly revision: number;
}

type Retry = <T>(safety: Safety, attempt: () => Promise<T>) => Promise<T>;

const PERMISSION_TYPES: readonly PermissionType[] = ['read', 'write', 'readwrite'];

export class ClientAuth {
  /** @internal */
  constructor(
    private readonly transport: TransportAuth,
    private readonly retry: Retry,
  ) {}

  /** Turns auth on; etcd wants a `root` user with the `root` role first. */
  authEnable(): Promise<void> {
    return this.change(() => this.transport.change({ op: 'enable' }));
  }

  authDisable(): Promise<void> {
    return this.change(() => this.transport.change({ op: 'disable' }));
  }

  authStatus(): Promise<AuthStatus> {
    return this.retry('read', () => this.transport.status());
  }

  /** Adds a user with a password, or one that cannot log in with any (`{ noPassword: true }`: certificate CN users). */
  userAdd(name: string, password: string | { readonly noPassword: true }): Promise<void> {
    const pw = typeof password === 'string' ? { password, noPassword: false } : { password: '', noPassword: true };
    return this.change(() => this.transport.change({ op: 'userAdd', name, ...pw, hashedPassword: '' }));
  }

  userDelete(name: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'userDelete', name }));
  }

  userChangePassword(name: string, password: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'userChangePassword', name, password, hashedPassword: '' }));
  }

  /** Grants a role to a user (`root` may be granted before a role of that name exists). */
  userGrantRole(user: string, role: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'userGrantRole', user, role }));
  }

  userRevokeRole(user: string, role: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'userRevokeRole', name: user, role }));
  }

  /** The user's roles. */
  async userGet(name: string): Promise<string[]> {
    return [...(await this.retry('read', () => this.transport.userGet(name)))];
  }

  async userList(): Promise<string[]> {
    return [...(await this.retry('read', () => this.transport.userList()))];
  }

  roleAdd(name: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'roleAdd', name }));
  }

  roleDelete(name: string): Promise<void> {
    return this.change(() => this.transport.change({ op: 'roleDelete', name }));
  }

  /** Lets a role read, write or both on one key or a range: `'config/app'`, `{ prefix: 'app/' }`, `{ from, to }`. */
  async roleGrantPermission(role: string, type: PermissionType, keys: KeySelector): Promise<void> {
    if (!PERMISSION_TYPES.includes(type)) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a permission is read, write or readwrite, not ${String(type)}`);
    const { key, rangeEnd } = keySpan(keys);
    const permission = { type, key, rangeEnd: rangeEnd ?? new Uint8Array(0) };
    return this.change(() => this.transport.change({ op: 'roleGrantPermission', name: role, permission }));
  }

  /** Takes back the permission granted on exactly these keys (whatever its type). */
  async roleRevokePermission(role: string, keys: KeySelector): Promise<void> {
    const { key, rangeEnd } = keySpan(keys);
    return this.change(() => this.transport.change({ op: 'roleRevokePermission', role, key, rangeEnd: rangeEnd ?? new Uint8Array(0) }));
  }

  /** The role's permissions, sorted by key. */
  async roleGet(name: string): Promise<RolePermission[]> {
    const permissions = await this.retry('read', () => this.transport.roleGet(name));
    return permissions.map((p) => ({ type: p.type, key: p.key, ...(p.rangeEnd.length > 0 ? { rangeEnd: p.rangeEnd } : {}) }));
  }

  async roleList(): Promise<string[]> {
    return [...(await this.retry('read', () => this.transport.roleList()))];
  }

  /** A change goes through raft: sent again only when it certainly was not proposed. */
  private change(attempt: () => Promise<void>): Promise<void> {
    return this.retry('write', attempt);
  }
}
