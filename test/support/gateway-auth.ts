// Turning etcd's auth on through the JSON gateway for a test: the root user, roles that may read or
// write key prefixes, users with those roles, then auth enable — as an operator would with etcdctl.
import { gateway } from './consul-http.js';

export type PrefixGrant = readonly [permType: 'READ' | 'WRITE' | 'READWRITE', prefix: string];

export interface TestRole {
  readonly name: string;
  readonly grants: readonly PrefixGrant[];
}

export interface TestUser {
  readonly name: string;
  readonly password: string;
  /** Roles made for this test, or (by name) made elsewhere; none for a user who may do nothing. */
  readonly roles?: readonly (TestRole | string)[];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The end of the range of keys starting with `prefix` (its last byte plus one). */
export function prefixEnd(prefix: string): string {
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1]!++;
  return end.toString('base64');
}

/** Adds root (password `rootPassword`) and `users` with their roles, then enables auth. */
export async function enableAuth(base: string, users: readonly TestUser[], rootPassword = 'root-pw'): Promise<void> {
  await gateway(base, 'auth/role/add', { name: 'root' });
  await gateway(base, 'auth/user/add', { name: 'root', password: rootPassword });
  await gateway(base, 'auth/user/grant', { user: 'root', role: 'root' });
  const made = new Set<string>(['root']);
  for (const user of users) {
    await gateway(base, 'auth/user/add', { name: user.name, password: user.password });
    for (const role of user.roles ?? []) {
      const name = typeof role === 'string' ? role : role.name;
      if (typeof role !== 'string' && !made.has(name)) {
        await gateway(base, 'auth/role/add', { name });
        for (const [permType, prefix] of role.grants) await gateway(base, 'auth/role/grant', { name, perm: { permType, key: b64(prefix), range_end: prefixEnd(prefix) } });
        made.add(name);
      }
      await gateway(base, 'auth/user/grant', { user: user.name, role: name });
    }
  }
  await gateway(base, 'auth/enable', {});
}

/** A token for the user, from etcd's Authenticate. */
export async function tokenFor(base: string, name: string, password: string): Promise<string> {
  return String((await gateway(base, 'auth/authenticate', { name, password }))['token']);
}
