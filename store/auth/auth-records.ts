// How the auth store is kept: one replicated state-meta record per user and per role, plus the
// enabled flag and the revision, written in the apply batch of the entry that changed them — so the
// auth store is in every snapshot and a restart reads it back with the rest of the state.
//
//   auth/enabled        "1" or "0"
//   auth/revision       the auth revision, decimal
//   auth/user/<name>    {"passwordHash","noPassword","roles"} as JSON
//   auth/role/<name>    {"permissions":[{"type","key","rangeEnd"}]} as JSON, keys in base64
import { CorruptDataError } from '../errors.js';
import type { MetaWrite } from '../meta.js';
import { AuthState, type AuthRole, type AuthUser } from './auth-state.js';
import type { Permission, PermissionType } from './permissions.js';

/** Every auth record's name starts with this. */
export const AUTH_META_PREFIX = 'auth/';
const ENABLED = `${AUTH_META_PREFIX}enabled`;
const REVISION = `${AUTH_META_PREFIX}revision`;
const USER = `${AUTH_META_PREFIX}user/`;
const ROLE = `${AUTH_META_PREFIX}role/`;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

interface UserJson {
  passwordHash: string;
  noPassword: boolean;
  roles: string[];
}

interface RoleJson {
  permissions: { type: PermissionType; key: string; rangeEnd: string }[];
}

function json(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

export function enabledRecord(enabled: boolean): MetaWrite {
  return { name: ENABLED, value: utf8.encode(enabled ? '1' : '0') };
}

export function revisionRecord(revision: number): MetaWrite {
  return { name: REVISION, value: utf8.encode(String(revision)) };
}

export function userRecord(u: AuthUser): MetaWrite {
  const body: UserJson = { passwordHash: u.passwordHash, noPassword: u.noPassword, roles: [...u.roles] };
  return { name: USER + u.name, value: json(body) };
}

export function roleRecord(r: AuthRole): MetaWrite {
  const body: RoleJson = {
    permissions: r.permissions.map((p) => ({
      type: p.type,
      key: Buffer.from(p.key).toString('base64'),
      rangeEnd: Buffer.from(p.rangeEnd).toString('base64'),
    })),
  };
  return { name: ROLE + r.name, value: json(body) };
}

export function deleteRecord(kind: 'user' | 'role', name: string): MetaWrite {
  return { name: (kind === 'user' ? USER : ROLE) + name, value: null };
}

function parse<T>(name: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(fromUtf8.decode(bytes)) as T;
  } catch (e) {
    throw new CorruptDataError(`auth record ${name} is not JSON: ${String(e)}`);
  }
}

function permission(p: RoleJson['permissions'][number]): Permission {
  return { type: p.type, key: new Uint8Array(Buffer.from(p.key, 'base64')), rangeEnd: new Uint8Array(Buffer.from(p.rangeEnd, 'base64')) };
}

/** Rebuilds the auth store from its records (those whose names start with AUTH_META_PREFIX). */
export function loadAuthState(records: Iterable<readonly [string, Uint8Array]>): AuthState {
  let enabled = false;
  let revision: number | undefined;
  const users: AuthUser[] = [];
  const roles: AuthRole[] = [];
  for (const [name, bytes] of records) {
    if (name === ENABLED) enabled = fromUtf8.decode(bytes) === '1';
    else if (name === REVISION) revision = Number(fromUtf8.decode(bytes));
    else if (name.startsWith(USER)) {
      const u = parse<UserJson>(name, bytes);
      users.push({ name: name.slice(USER.length), passwordHash: u.passwordHash, noPassword: u.noPassword, roles: u.roles });
    } else if (name.startsWith(ROLE)) {
      const r = parse<RoleJson>(name, bytes);
      roles.push({ name: name.slice(ROLE.length), permissions: r.permissions.map(permission) });
    }
  }
  if (revision === undefined) return users.length + roles.length === 0 && !enabled ? AuthState.EMPTY : AuthState.of(enabled, 1, users, roles);
  if (!Number.isSafeInteger(revision)) throw new CorruptDataError('auth revision is not an integer');
  return AuthState.of(enabled, revision, users, roles);
}
