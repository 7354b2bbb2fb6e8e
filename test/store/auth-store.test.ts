// The auth store on its own: etcd's rules for users, roles and permissions, the range coverage of
// permissions, records that survive a reopen through the apply batch, and password hashes.
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../store/auth/auth-errors.js';
import { loadAuthState, AUTH_META_PREFIX } from '../../store/auth/auth-records.js';
import { AuthState, type AuthOp } from '../../store/auth/auth-state.js';
import { hashPassword, verifyPassword } from '../../store/auth/password.js';
import { permits, type Permission } from '../../store/auth/permissions.js';
import { checkWrite } from '../../store/auth/request-checks.js';
import { MvccStore } from '../../store/mvcc/mvcc-store.js';
import { b, MvccHarness } from './helpers/mvcc-harness.js';

const perm = (type: Permission['type'], key: string, rangeEnd = ''): Permission => ({ type, key: b(key), rangeEnd: b(rangeEnd) });

function run(ops: readonly AuthOp[], from = AuthState.EMPTY): AuthState {
  return ops.reduce((s, o) => s.apply(o).state, from);
}

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof AuthError) return e.authCode;
    throw e;
  }
}

describe('permission coverage', () => {
  it('a key permission holds that key only', () => {
    expect(permits([perm('read', 'a')], 'read', b('a'))).toBe(true);
    expect(permits([perm('read', 'a')], 'read', b('ab'))).toBe(false);
    expect(permits([perm('read', 'a')], 'write', b('a'))).toBe(false);
    expect(permits([perm('readwrite', 'a')], 'write', b('a'))).toBe(true);
  });

  it('a range must be covered whole, by one permission or several that touch', () => {
    const p = [perm('read', 'a', 'c'), perm('read', 'c', 'e')];
    expect(permits(p, 'read', b('a'), b('e'))).toBe(true);
    expect(permits(p, 'read', b('b'), b('d'))).toBe(true);
    expect(permits(p, 'read', b('a'), b('f'))).toBe(false);
    expect(permits([perm('read', 'a', 'c'), perm('read', 'd', 'e')], 'read', b('a'), b('e'))).toBe(false);
  });

  it('an open-ended permission ("\\0") covers every key from its own on', () => {
    const p = [perm('write', 'm', '\0')];
    expect(permits(p, 'write', b('zzz'))).toBe(true);
    expect(permits(p, 'write', b('m'), b('\0'))).toBe(true);
    expect(permits(p, 'write', b('a'), b('\0'))).toBe(false);
  });
});

describe('users and roles, as etcd 3.4', () => {
  const withRoot: AuthOp[] = [
    { op: 'userAdd', name: 'root', passwordHash: 'h', noPassword: false },
    { op: 'roleAdd', name: 'root' },
    { op: 'userGrantRole', user: 'root', role: 'root' },
  ];

  it('enable needs a root user with the root role; every change moves the revision by one', () => {
    expect(code(() => AuthState.EMPTY.apply({ op: 'enable' }))).toBe('AUTH_ROOT_USER_NOT_EXIST');
    const rootOnly = run([withRoot[0]!]);
    expect(code(() => rootOnly.apply({ op: 'enable' }))).toBe('AUTH_ROOT_ROLE_NOT_EXIST');
    const ready = run(withRoot);
    expect(ready.revision).toBe(4);
    const on = ready.apply({ op: 'enable' }).state;
    expect(on.enabled).toBe(true);
    expect(on.revision).toBe(4);
    expect(on.apply({ op: 'disable' }).state.revision).toBe(5);
  });

  it("refuses what etcd refuses, with etcd's errors", () => {
    const on = run([...withRoot, { op: 'enable' }]);
    expect(code(() => on.apply({ op: 'userAdd', name: 'root', passwordHash: 'h', noPassword: false }))).toBe('AUTH_USER_ALREADY_EXIST');
    expect(code(() => on.apply({ op: 'userAdd', name: '', passwordHash: 'h', noPassword: false }))).toBe('AUTH_USER_EMPTY');
    expect(code(() => on.apply({ op: 'userDelete', name: 'root' }))).toBe('AUTH_INVALID_AUTH_MGMT');
    expect(code(() => on.apply({ op: 'roleDelete', name: 'root' }))).toBe('AUTH_INVALID_AUTH_MGMT');
    expect(code(() => on.apply({ op: 'userRevokeRole', name: 'root', role: 'root' }))).toBe('AUTH_INVALID_AUTH_MGMT');
    expect(code(() => on.apply({ op: 'userGrantRole', user: 'root', role: 'nope' }))).toBe('AUTH_ROLE_NOT_FOUND');
    expect(code(() => on.apply({ op: 'userGrantRole', user: 'nobody', role: 'root' }))).toBe('AUTH_USER_NOT_FOUND');
    expect(code(() => on.apply({ op: 'roleAdd', name: '' }))).toBe('AUTH_ROLE_EMPTY');
    expect(code(() => on.apply({ op: 'roleRevokePermission', role: 'root', key: b('k'), rangeEnd: b('') }))).toBe('AUTH_PERMISSION_NOT_GRANTED');
    expect(code(() => on.apply({ op: 'userRevokeRole', name: 'root', role: 'other' }))).toBe('AUTH_ROLE_NOT_GRANTED');
    expect(code(() => AuthState.EMPTY.apply({ op: 'authenticate', name: 'root', tokenPrefix: 'x' }))).toBe('AUTH_AUTH_NOT_ENABLED');
  });

  it('a grant on the same keys replaces the type; deleting a role takes it from its users', () => {
    const s = run([
      ...withRoot,
      { op: 'userAdd', name: 'u', passwordHash: 'h', noPassword: false },
      { op: 'roleAdd', name: 'r' },
      { op: 'roleGrantPermission', name: 'r', permission: perm('read', 'k') },
      { op: 'roleGrantPermission', name: 'r', permission: perm('readwrite', 'k') },
      { op: 'roleGrantPermission', name: 'r', permission: perm('read', 'a', 'b') },
      { op: 'userGrantRole', user: 'u', role: 'r' },
    ]);
    expect(s.role('r')!.permissions.map((p) => `${p.type}:${Buffer.from(p.key).toString()}`)).toEqual(['read:a', 'readwrite:k']);
    expect(s.user('u')!.roles).toEqual(['r']);
    expect(s.apply({ op: 'roleDelete', name: 'r' }).state.user('u')!.roles).toEqual([]);
  });

  it('checks a token against the current revision, and a txn against both branches', () => {
    const s = run([
      ...withRoot,
      { op: 'userAdd', name: 'u', passwordHash: 'h', noPassword: false },
      { op: 'roleAdd', name: 'r' },
      { op: 'roleGrantPermission', name: 'r', permission: perm('readwrite', 'app/', 'app0') },
      { op: 'userGrantRole', user: 'u', role: 'r' },
      { op: 'enable' },
    ]);
    const u = { username: 'u', revision: s.revision };
    const none = (): Uint8Array[] => [];
    expect(code(() => checkWrite(s, u, { type: 'put', request: { key: b('app/x'), value: b('1') } }, none))).toBeUndefined();
    expect(code(() => checkWrite(s, u, { type: 'put', request: { key: b('other'), value: b('1') } }, none))).toBe('AUTH_PERMISSION_DENIED');
    expect(code(() => checkWrite(s, { username: 'u', revision: s.revision - 1 }, { type: 'put', request: { key: b('app/x') } }, none))).toBe(
      'AUTH_AUTH_OLD_REVISION',
    );
    expect(code(() => checkWrite(s, { username: '', revision: 0 }, { type: 'put', request: { key: b('app/x') } }, none))).toBe('AUTH_USER_EMPTY');
    const txn = { compare: [], success: [{ type: 'put' as const, request: { key: b('app/x') } }], failure: [{ type: 'range' as const, request: { key: b('secret') } }] };
    expect(code(() => checkWrite(s, u, { type: 'txn', request: txn }, none))).toBe('AUTH_PERMISSION_DENIED');
    // A put must not tie a key to a lease whose keys the user may not write.
    expect(code(() => checkWrite(s, u, { type: 'put', request: { key: b('app/x'), lease: 7n } }, () => [b('secret')]))).toBe('AUTH_PERMISSION_DENIED');
  });
});

describe('records and passwords', () => {
  it('the auth store is written with the apply batch and read back after a reopen', async () => {
    const h = await MvccHarness.create();
    try {
      let state = AuthState.EMPTY;
      const ops: AuthOp[] = [
        { op: 'userAdd', name: 'root', passwordHash: 'h', noPassword: false },
        { op: 'userGrantRole', user: 'root', role: 'root' },
        { op: 'roleAdd', name: 'r' },
        { op: 'roleGrantPermission', name: 'r', permission: perm('read', '\x00\xff', '\0') },
        { op: 'enable' },
      ];
      for (const o of ops) {
        const change = state.apply(o);
        state = change.state;
        await h.store.applyBatch([{ index: h.store.appliedIndex + 1, request: { type: 'noop' }, meta: change.writes }]);
      }
      await h.store.close();
      const reopened = await MvccStore.open(h.db);
      const loaded = loadAuthState(reopened.metaRecords(AUTH_META_PREFIX));
      expect(loaded.enabled).toBe(true);
      expect(loaded.revision).toBe(state.revision);
      expect(loaded.users()).toEqual(state.users());
      expect(loaded.roles()).toEqual(state.roles());
      await reopened.close();
    } finally {
      await h.db.close();
    }
  });

  it('a password matches its hash only; every hash has its own salt', async () => {
    const [one, two] = await Promise.all([hashPassword('s3cret'), hashPassword('s3cret')]);
    expect(one).not.toBe(two);
    expect(await verifyPassword('s3cret', one)).toBe(true);
    expect(await verifyPassword('wrong', one)).toBe(false);
    expect(await verifyPassword('s3cret', undefined)).toBe(false);
  });
});
