// The replicated auth store: whether auth is on, its revision, users (with their password hashes and
// roles) and roles (with their key permissions). A value never changes: applying an operation gives
// a new state, plus the meta writes that store it (auth-records.ts), so the applier can chain the
// operations of a batch and hand the last state over once the batch is applied. The rules and errors
// are etcd 3.4's (auth/store.go): `root` may be granted before any role named so exists, the root
// user and role cannot be removed while auth is on, each change moves the revision by one.
import type { MetaWrite } from '../meta.js';
import { AuthError } from './auth-errors.js';
import { deleteRecord, enabledRecord, revisionRecord, roleRecord, userRecord } from './auth-records.js';
import { compareKeys, permits, sameKeys, type Access, type Permission } from './permissions.js';

export const ROOT = 'root';

export interface AuthUser {
  readonly name: string;
  /** The password's hash (password.ts); empty for a user added with no password. */
  readonly passwordHash: string;
  readonly noPassword: boolean;
  /** Sorted, no duplicates. */
  readonly roles: readonly string[];
}

export interface AuthRole {
  readonly name: string;
  /** Sorted by key, as etcd keeps them. */
  readonly permissions: readonly Permission[];
}

/** Who sent a request: the user its token names and the auth revision the token was checked at. */
export interface AuthInfo {
  readonly username: string;
  readonly revision: number;
}

export type AuthOp =
  | { readonly op: 'enable' }
  | { readonly op: 'disable' }
  | { readonly op: 'userAdd'; readonly name: string; readonly passwordHash: string; readonly noPassword: boolean }
  | { readonly op: 'userDelete'; readonly name: string }
  | { readonly op: 'userChangePassword'; readonly name: string; readonly passwordHash: string }
  | { readonly op: 'userGrantRole'; readonly user: string; readonly role: string }
  | { readonly op: 'userRevokeRole'; readonly name: string; readonly role: string }
  | { readonly op: 'roleAdd'; readonly name: string }
  | { readonly op: 'roleDelete'; readonly name: string }
  | { readonly op: 'roleGrantPermission'; readonly name: string; readonly permission: Permission }
  | { readonly op: 'roleRevokePermission'; readonly role: string; readonly key: Uint8Array; readonly rangeEnd: Uint8Array }
  /** A user logs in (the password was checked before proposing): the token is made from the entry. */
  | { readonly op: 'authenticate'; readonly name: string; readonly tokenPrefix: string };

export interface AuthChange {
  readonly state: AuthState;
  readonly writes: readonly MetaWrite[];
}

/** The revision of an auth store nobody changed yet (etcd writes 1 when it creates its store). */
const INITIAL_REVISION = 1;

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class AuthState {
  static readonly EMPTY = new AuthState(false, INITIAL_REVISION, new Map(), new Map());

  private constructor(
    readonly enabled: boolean,
    readonly revision: number,
    private readonly userMap: ReadonlyMap<string, AuthUser>,
    private readonly roleMap: ReadonlyMap<string, AuthRole>,
  ) {}

  static of(enabled: boolean, revision: number, users: readonly AuthUser[], roles: readonly AuthRole[]): AuthState {
    return new AuthState(enabled, revision, new Map(users.map((u) => [u.name, u])), new Map(roles.map((r) => [r.name, r])));
  }

  user(name: string): AuthUser | undefined {
    return this.userMap.get(name);
  }

  role(name: string): AuthRole | undefined {
    return this.roleMap.get(name);
  }

  /** Users in name order (etcd lists them in its bucket's key order). */
  users(): AuthUser[] {
    return [...this.userMap.values()].sort(byName);
  }

  roles(): AuthRole[] {
    return [...this.roleMap.values()].sort(byName);
  }

  hasRole(user: string, role: string): boolean {
    return this.userMap.get(user)?.roles.includes(role) ?? false;
  }

  // ------------------------------------------------------------------ checks

  /** etcd's IsAdminPermitted: with auth on, only a user with the root role. */
  checkAdmin(who: AuthInfo | undefined): void {
    if (!this.enabled) return;
    if (who === undefined || who.username === '') throw new AuthError('AUTH_USER_EMPTY');
    const u = this.userMap.get(who.username);
    if (u === undefined) throw new AuthError('AUTH_USER_NOT_FOUND');
    if (!u.roles.includes(ROOT)) throw new AuthError('AUTH_PERMISSION_DENIED');
  }

  /** etcd's isOpPermitted: the user's roles must allow `access` to the key or range. */
  checkKeys(who: AuthInfo | undefined, access: Access, key: Uint8Array, rangeEnd?: Uint8Array): void {
    if (!this.enabled) return;
    if (who === undefined || who.revision === 0) throw new AuthError('AUTH_USER_EMPTY');
    if (who.revision < this.revision) throw new AuthError('AUTH_AUTH_OLD_REVISION');
    const u = this.userMap.get(who.username);
    if (u === undefined) throw new AuthError('AUTH_PERMISSION_DENIED');
    if (u.roles.includes(ROOT)) return;
    const perms = u.roles.flatMap((r) => this.roleMap.get(r)?.permissions ?? []);
    if (!permits(perms, access, key, rangeEnd)) throw new AuthError('AUTH_PERMISSION_DENIED');
  }

  // ------------------------------------------------------------------ changes

  /** Applies one operation; throws etcd's AuthError (the state is then unchanged). */
  apply(o: AuthOp): AuthChange {
    switch (o.op) {
      case 'enable': {
        if (this.enabled) return { state: this, writes: [] };
        const root = this.userMap.get(ROOT);
        if (root === undefined) throw new AuthError('AUTH_ROOT_USER_NOT_EXIST');
        if (!root.roles.includes(ROOT)) throw new AuthError('AUTH_ROOT_ROLE_NOT_EXIST');
        // As etcd: turning auth on leaves the revision where it is.
        const state = new AuthState(true, this.revision, this.userMap, this.roleMap);
        return { state, writes: [enabledRecord(true)] };
      }
      case 'disable': {
        if (!this.enabled) return { state: this, writes: [] };
        return this.next(false, this.userMap, this.roleMap, [enabledRecord(false)]);
      }
      case 'userAdd': {
        if (o.name.length === 0) throw new AuthError('AUTH_USER_EMPTY');
        if (this.userMap.has(o.name)) throw new AuthError('AUTH_USER_ALREADY_EXIST');
        const user: AuthUser = { name: o.name, passwordHash: o.noPassword ? '' : o.passwordHash, noPassword: o.noPassword, roles: [] };
        return this.withUser(user);
      }
      case 'userDelete': {
        if (this.enabled && o.name === ROOT) throw new AuthError('AUTH_INVALID_AUTH_MGMT');
        if (!this.userMap.has(o.name)) throw new AuthError('AUTH_USER_NOT_FOUND');
        const users = new Map(this.userMap);
        users.delete(o.name);
        return this.next(this.enabled, users, this.roleMap, [deleteRecord('user', o.name)]);
      }
      case 'userChangePassword': {
        const u = this.userMap.get(o.name);
        if (u === undefined) throw new AuthError('AUTH_USER_NOT_FOUND');
        return this.withUser({ ...u, passwordHash: o.passwordHash });
      }
      case 'userGrantRole': {
        const u = this.userMap.get(o.user);
        if (u === undefined) throw new AuthError('AUTH_USER_NOT_FOUND');
        if (o.role !== ROOT && !this.roleMap.has(o.role)) throw new AuthError('AUTH_ROLE_NOT_FOUND');
        // Granting a role the user has changes nothing, the revision included.
        if (u.roles.includes(o.role)) return { state: this, writes: [] };
        return this.withUser({ ...u, roles: [...u.roles, o.role].sort() });
      }
      case 'userRevokeRole': {
        if (this.enabled && o.name === ROOT && o.role === ROOT) throw new AuthError('AUTH_INVALID_AUTH_MGMT');
        const u = this.userMap.get(o.name);
        if (u === undefined) throw new AuthError('AUTH_USER_NOT_FOUND');
        if (!u.roles.includes(o.role)) throw new AuthError('AUTH_ROLE_NOT_GRANTED');
        return this.withUser({ ...u, roles: u.roles.filter((r) => r !== o.role) });
      }
      case 'roleAdd': {
        if (o.name.length === 0) throw new AuthError('AUTH_ROLE_EMPTY');
        if (this.roleMap.has(o.name)) throw new AuthError('AUTH_ROLE_ALREADY_EXIST');
        return this.withRole({ name: o.name, permissions: [] });
      }
      case 'roleDelete': {
        if (this.enabled && o.name === ROOT) throw new AuthError('AUTH_INVALID_AUTH_MGMT');
        if (!this.roleMap.has(o.name)) throw new AuthError('AUTH_ROLE_NOT_FOUND');
        const roles = new Map(this.roleMap);
        roles.delete(o.name);
        const users = new Map(this.userMap);
        const writes: MetaWrite[] = [deleteRecord('role', o.name)];
        // The role goes from every user that had it, in the same change.
        for (const u of this.userMap.values()) {
          if (!u.roles.includes(o.name)) continue;
          const updated = { ...u, roles: u.roles.filter((r) => r !== o.name) };
          users.set(u.name, updated);
          writes.push(userRecord(updated));
        }
        return this.next(this.enabled, users, roles, writes);
      }
      case 'roleGrantPermission': {
        const r = this.roleMap.get(o.name);
        if (r === undefined) throw new AuthError('AUTH_ROLE_NOT_FOUND');
        const existing = r.permissions.findIndex((p) => sameKeys(p, o.permission));
        const permissions =
          existing >= 0
            ? r.permissions.map((p, i) => (i === existing ? { ...p, type: o.permission.type } : p))
            : [...r.permissions, o.permission].sort((a, b) => compareKeys(a.key, b.key));
        return this.withRole({ name: r.name, permissions });
      }
      case 'roleRevokePermission': {
        const r = this.roleMap.get(o.role);
        if (r === undefined) throw new AuthError('AUTH_ROLE_NOT_FOUND');
        const permissions = r.permissions.filter((p) => !sameKeys(p, o));
        if (permissions.length === r.permissions.length) throw new AuthError('AUTH_PERMISSION_NOT_GRANTED');
        return this.withRole({ name: r.name, permissions });
      }
      case 'authenticate': {
        if (!this.enabled) throw new AuthError('AUTH_AUTH_NOT_ENABLED');
        const u = this.userMap.get(o.name);
        if (u === undefined || u.noPassword) throw new AuthError('AUTH_AUTH_FAILED');
        return { state: this, writes: [] };
      }
    }
  }

  private withUser(user: AuthUser): AuthChange {
    const users = new Map(this.userMap);
    users.set(user.name, user);
    return this.next(this.enabled, users, this.roleMap, [userRecord(user)]);
  }

  private withRole(role: AuthRole): AuthChange {
    const roles = new Map(this.roleMap);
    roles.set(role.name, role);
    return this.next(this.enabled, this.userMap, roles, [roleRecord(role)]);
  }

  /** A change that moves the revision by one. */
  private next(
    enabled: boolean,
    users: ReadonlyMap<string, AuthUser>,
    roles: ReadonlyMap<string, AuthRole>,
    writes: MetaWrite[],
  ): AuthChange {
    const state = new AuthState(enabled, this.revision + 1, users, roles);
    return { state, writes: [...writes, revisionRecord(state.revision)] };
  }
}
