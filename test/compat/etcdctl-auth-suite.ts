// etcdctl 3.4's user, role and auth commands against a target, and what auth then allows: users and
// roles (add, list, get, passwd, grant and revoke, delete, with etcd's errors), permissions on a key,
// a range, a prefix and from a key, `auth enable` (which needs a root user; etcdctl adds the root
// role) and `auth disable`, a read-only role, a prefix permission, a role revoked under a live token,
// a watch on a forbidden key, and the etcd3 npm client's `auth` option. Auth is cluster-wide, so
// every test that turns it on turns it off again and removes what it added.
import { Etcd3 } from 'etcd3';
import { expect } from 'vitest';
import { etcdctl, errorLine, spawnEtcdctl, type CtlResult } from './etcdctl-runner.js';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const ETCDCTL_AUTH_SUITE = 'etcdctl-auth';

interface CtlOptions {
  readonly stdin?: string;
  /** "name:password" for --user. */
  readonly user?: string;
  /**
   * Talk to the first member only: for commands etcdctl repeats per endpoint (defrag, and a login
   * that fails, which it tries at every endpoint), whose output would otherwise tell the cluster's size.
   */
  readonly oneEndpoint?: boolean;
}

async function ctl(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<CtlResult> {
  const full = options.user ? [`--user=${options.user}`, ...args] : [...args];
  const endpoints = options.oneEndpoint ? t.target.endpoints.slice(0, 1) : t.target.endpoints;
  const r = await etcdctl(endpoints, full, options.stdin);
  const input = options.stdin === undefined ? '' : ` <<< ${JSON.stringify(options.stdin)}`;
  t.record(`etcdctl ${full.join(' ')}${input}`, `${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ''}[exit ${String(r.code)}]`);
  return r;
}

async function ok(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<string> {
  const r = await ctl(t, args, options);
  expect(r.code, `etcdctl ${args.join(' ')} failed:\n${r.stderr}`).toBe(0);
  return r.stdout;
}

async function fails(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<string> {
  const r = await ctl(t, args, options);
  expect(r.code, `etcdctl ${args.join(' ')} should have failed; printed:\n${r.stdout}`).not.toBe(0);
  return errorLine(r);
}

const ROOT = 'root:rootpw';
const NO_USER = 'Error: etcdserver: user name is empty';
const DENIED = 'Error: etcdserver: permission denied';

/** Adds root, turns auth on (etcdctl adds the root role and grants it), runs `body`, then undoes it all. */
async function withAuth(t: TestTools, body: () => Promise<void>): Promise<void> {
  await ok(t, ['user', 'add', ROOT]);
  expect(await ok(t, ['auth', 'enable'])).toBe('Authentication Enabled\n');
  try {
    await body();
  } finally {
    await ok(t, ['auth', 'disable'], { user: ROOT });
    await ok(t, ['user', 'delete', 'root']);
    await ok(t, ['role', 'delete', 'root']);
  }
}

export function etcdctlAuthSuite(ctx: SuiteContext): void {
  const test = (name: string, body: (t: TestTools) => Promise<void>): void =>
    compatTest(ctx, name, body, { notExternal: 'turns auth on for the whole cluster', timeoutMs: 60_000 });

  test('user add, list, get, passwd, grant-role, revoke-role and delete, with their errors', async (t) => {
    await ok(t, ['role', 'add', 'r-app']);
    await ok(t, ['role', 'add', 'r-other']);
    expect(await ok(t, ['user', 'add', 'alice:pw1'])).toBe('User alice created\n');
    expect(await fails(t, ['user', 'add', 'alice:pw1'])).toBe('Error: etcdserver: user name already exists');
    expect(await ok(t, ['user', 'add', 'bob', '--interactive=false'], { stdin: 'pw2\n' })).toBe('User bob created\n');
    expect(await ok(t, ['user', 'list'])).toBe('alice\nbob\n');
    expect(await ok(t, ['user', 'grant-role', 'alice', 'r-app'])).toBe('Role r-app is granted to user alice\n');
    await ok(t, ['user', 'grant-role', 'alice', 'r-app']);
    await ok(t, ['user', 'grant-role', 'alice', 'r-other']);
    expect(await fails(t, ['user', 'grant-role', 'alice', 'nope'])).toBe('Error: etcdserver: role name not found');
    expect(await fails(t, ['user', 'grant-role', 'nobody', 'r-app'])).toBe('Error: etcdserver: user name not found');
    expect(await ok(t, ['user', 'get', 'alice'])).toBe('User: alice\nRoles: r-app r-other\n');
    await ok(t, ['user', 'get', 'alice', '--detail']);
    expect(await ok(t, ['user', 'revoke-role', 'alice', 'r-other'])).toBe('Role r-other is revoked from user alice\n');
    expect(await fails(t, ['user', 'revoke-role', 'alice', 'r-other'])).toBe('Error: etcdserver: role is not granted to the user');
    expect(await ok(t, ['user', 'passwd', 'alice', '--interactive=false'], { stdin: 'pw3\n' })).toBe('Password updated\n');
    expect(await fails(t, ['user', 'get', 'nobody'])).toBe('Error: etcdserver: user name not found');
    expect(await ok(t, ['user', 'delete', 'bob'])).toBe('User bob deleted\n');
    expect(await fails(t, ['user', 'delete', 'bob'])).toBe('Error: etcdserver: user name not found');
    // Deleting a role takes it from its users.
    await ok(t, ['role', 'delete', 'r-app']);
    expect(await ok(t, ['user', 'get', 'alice'])).toBe('User: alice\nRoles:\n');
    await ok(t, ['role', 'delete', 'r-other']);
    await ok(t, ['user', 'delete', 'alice']);
    expect(await ok(t, ['user', 'list'])).toBe('');
  });

  test('role add, list, get, grant-permission on a key, a range, a prefix and from a key, and revoke-permission', async (t) => {
    expect(await ok(t, ['role', 'add', 'perms'])).toBe('Role perms created\n');
    expect(await fails(t, ['role', 'add', 'perms'])).toBe('Error: etcdserver: role name already exists');
    expect(await ok(t, ['role', 'grant-permission', 'perms', 'read', 'k1'])).toBe('Role perms updated\n');
    await ok(t, ['role', 'grant-permission', 'perms', 'write', 'a', 'c']);
    await ok(t, ['role', 'grant-permission', 'perms', 'readwrite', 'p/', '--prefix']);
    await ok(t, ['role', 'grant-permission', 'perms', 'read', 'z', '--from-key']);
    // A grant on the same keys changes the permission's type.
    await ok(t, ['role', 'grant-permission', 'perms', 'readwrite', 'k1']);
    await ok(t, ['role', 'get', 'perms']);
    await ok(t, ['role', 'get', 'perms', '-w', 'json']);
    expect(await ok(t, ['role', 'list'])).toBe('perms\n');
    expect(await fails(t, ['role', 'grant-permission', 'nope', 'read', 'k'])).toBe('Error: etcdserver: role name not found');
    expect(await ok(t, ['role', 'revoke-permission', 'perms', 'k1'])).toBe('Permission of key k1 is revoked from role perms\n');
    await ok(t, ['role', 'revoke-permission', 'perms', 'p/', '--prefix']);
    await ok(t, ['role', 'revoke-permission', 'perms', 'z', '--from-key']);
    await ok(t, ['role', 'revoke-permission', 'perms', 'a', 'c']);
    expect(await fails(t, ['role', 'revoke-permission', 'perms', 'a', 'c'])).toBe('Error: etcdserver: permission is not granted to the role');
    await ok(t, ['role', 'get', 'perms']);
    expect(await fails(t, ['role', 'get', 'nope'])).toBe('Error: etcdserver: role name not found');
    expect(await ok(t, ['role', 'delete', 'perms'])).toBe('Role perms deleted\n');
    expect(await fails(t, ['role', 'delete', 'perms'])).toBe('Error: etcdserver: role name not found');
  });

  test('auth enable needs a root user, to whom etcdctl grants the root role; then only root manages auth', async (t) => {
    expect(await fails(t, ['auth', 'enable'])).toBe('Error: etcdserver: root user does not exist');
    await withAuth(t, async () => {
      expect(await ok(t, ['user', 'get', 'root'], { user: ROOT })).toBe('User: root\nRoles: root\n');
      expect(await fails(t, ['role', 'list'])).toBe(NO_USER);
      expect(await fails(t, ['put', 'k', 'v'])).toBe(NO_USER);
      expect(await fails(t, ['get', 'k'])).toBe(NO_USER);
      expect(await fails(t, ['get', 'k'], { user: 'root:wrong', oneEndpoint: true })).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
      expect(await fails(t, ['get', 'k'], { user: 'ghost:pw', oneEndpoint: true })).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
      expect(await fails(t, ['user', 'delete', 'root'], { user: ROOT })).toBe('Error: etcdserver: invalid auth management');
      expect(await fails(t, ['role', 'delete', 'root'], { user: ROOT })).toBe('Error: etcdserver: invalid auth management');
      expect(await fails(t, ['user', 'revoke-role', 'root', 'root'], { user: ROOT })).toBe('Error: etcdserver: invalid auth management');
      expect(await fails(t, ['auth', 'disable'])).toBe(NO_USER);
      // A second enable changes nothing.
      expect(await ok(t, ['auth', 'enable'], { user: ROOT })).toBe('Authentication Enabled\n');
      expect(await ok(t, ['put', 'k', 'v'], { user: ROOT })).toBe('OK\n');
      await ok(t, ['del', 'k'], { user: ROOT });
      // A user without the root role manages nothing, and may read itself only.
      await ok(t, ['user', 'add', 'carol:pw'], { user: ROOT });
      expect(await fails(t, ['user', 'list'], { user: 'carol:pw' })).toBe(DENIED);
      expect(await fails(t, ['user', 'add', 'dave:pw'], { user: 'carol:pw' })).toBe(DENIED);
      expect(await fails(t, ['user', 'get', 'root'], { user: 'carol:pw' })).toBe(DENIED);
      expect(await ok(t, ['user', 'get', 'carol'], { user: 'carol:pw' })).toBe('User: carol\nRoles:\n');
      expect(await fails(t, ['auth', 'disable'], { user: 'carol:pw' })).toBe(DENIED);
      // etcd answers this one with its auth store's own error text (gRPC code Unknown).
      expect(await fails(t, ['defrag'], { user: 'carol:pw', oneEndpoint: true })).toContain('auth: permission denied');
      await ok(t, ['user', 'delete', 'carol'], { user: ROOT });
    });
    expect(await ok(t, ['put', 'k', 'v'])).toBe('OK\n');
    await ok(t, ['del', 'k']);
  });

  test('a read-only role reads and cannot write; a prefix permission allows inside and refuses outside', async (t) => {
    const d = t.dir;
    await ok(t, ['put', `${d}app/a`, '1']);
    await ok(t, ['put', `${d}secret`, 's']);
    await ok(t, ['role', 'add', 'ro']);
    await ok(t, ['role', 'grant-permission', 'ro', 'read', `${d}app/`, '--prefix']);
    await ok(t, ['role', 'add', 'rw']);
    await ok(t, ['role', 'grant-permission', 'rw', 'readwrite', `${d}app/`, '--prefix']);
    await ok(t, ['user', 'add', 'reader:pw']);
    await ok(t, ['user', 'grant-role', 'reader', 'ro']);
    await ok(t, ['user', 'add', 'writer:pw']);
    await ok(t, ['user', 'grant-role', 'writer', 'rw']);
    await withAuth(t, async () => {
      const R = { user: 'reader:pw' };
      const W = { user: 'writer:pw' };
      expect(await ok(t, ['get', `${d}app/a`], R)).toBe(`${d}app/a\n1\n`);
      expect(await ok(t, ['get', `${d}app/`, '--prefix'], R)).toBe(`${d}app/a\n1\n`);
      expect(await fails(t, ['put', `${d}app/a`, '2'], R)).toBe(DENIED);
      expect(await fails(t, ['del', `${d}app/a`], R)).toBe(DENIED);
      expect(await fails(t, ['get', `${d}secret`], R)).toBe(DENIED);
      // A range reaching past the prefix is refused whole.
      expect(await fails(t, ['get', d, '--prefix'], R)).toBe(DENIED);
      expect(await ok(t, ['put', `${d}app/b`, '2'], W)).toBe('OK\n');
      expect(await ok(t, ['put', `${d}app/b`, '3', '--prev-kv'], W)).toBe(`OK\n${d}app/b\n2\n`);
      expect(await fails(t, ['put', `${d}outside`, '1'], W)).toBe(DENIED);
      expect(await fails(t, ['put', `${d}app`, '1'], W)).toBe(DENIED);
      // A txn needs every compare and both branches allowed, whichever runs.
      const inside = `value("${d}app/a") = "1"\n\nput ${d}app/c x\n\nget ${d}app/a\n\n`;
      expect(await ok(t, ['txn'], { ...W, stdin: inside })).toBe('SUCCESS\n\nOK\n');
      const outside = `value("${d}app/a") = "1"\n\nput ${d}app/c y\n\nget ${d}secret\n\n`;
      expect(await fails(t, ['txn'], { ...W, stdin: outside })).toBe(DENIED);
      expect(await ok(t, ['del', `${d}app/`, '--prefix'], W)).toBe('3\n');
    });
    for (const u of ['reader', 'writer']) await ok(t, ['user', 'delete', u]);
    for (const r of ['ro', 'rw']) await ok(t, ['role', 'delete', r]);
  });

  test('a revoked role takes effect on the next request of a live token', async (t) => {
    const d = t.dir;
    await ok(t, ['role', 'add', 'live']);
    await ok(t, ['role', 'grant-permission', 'live', 'readwrite', `${d}`, '--prefix']);
    await ok(t, ['user', 'add', 'erin:pw']);
    await ok(t, ['user', 'grant-role', 'erin', 'live']);
    await withAuth(t, async () => {
      const client = new Etcd3({ hosts: t.target.endpoints.map((e) => `http://${e}`), auth: { username: 'erin', password: 'pw' }, dialTimeout: 5000 });
      const call = async (label: string, run: () => Promise<unknown>): Promise<string> => {
        let text: string;
        try {
          await run();
          text = 'ok';
        } catch (e) {
          text = `threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
        }
        t.record(label, text);
        return text;
      };
      try {
        expect(await call('put with the role', async () => client.put(`${d}k`).value('1'))).toBe('ok');
        expect(await call('get with the role', () => client.get(`${d}k`).string())).toBe('ok');
        await ok(t, ['user', 'revoke-role', 'erin', 'live'], { user: ROOT });
        expect(await call('put after the revoke', async () => client.put(`${d}k`).value('2'))).toContain('permission denied');
        expect(await call('get after the revoke', () => client.get(`${d}k`).string())).toContain('permission denied');
        await ok(t, ['user', 'grant-role', 'erin', 'live'], { user: ROOT });
        expect(await call('put after the grant', async () => client.put(`${d}k`).value('3'))).toBe('ok');
        await ok(t, ['role', 'revoke-permission', 'live', `${d}`, '--prefix'], { user: ROOT });
        expect(await call('put after the permission is revoked', async () => client.put(`${d}k`).value('4'))).toContain('permission denied');
      } finally {
        client.close();
      }
    });
    await ok(t, ['user', 'delete', 'erin']);
    await ok(t, ['role', 'delete', 'live']);
  });

  test('a watch on a forbidden key is refused; one on an allowed prefix sees its events', async (t) => {
    const d = t.dir;
    await ok(t, ['role', 'add', 'watcher']);
    await ok(t, ['role', 'grant-permission', 'watcher', 'readwrite', `${d}ok/`, '--prefix']);
    await ok(t, ['user', 'add', 'frank:pw']);
    await ok(t, ['user', 'grant-role', 'frank', 'watcher']);
    await withAuth(t, async () => {
      const refused = await ctl(t, ['--user=frank:pw', 'watch', `${d}secret`]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('permission denied');
      const refusedPrefix = await ctl(t, ['--user=frank:pw', 'watch', d, '--prefix']);
      expect(refusedPrefix.stderr).toContain('permission denied');
      const w = spawnEtcdctl(t.target.endpoints, ['--user=frank:pw', 'watch', `${d}ok/`, '--prefix']);
      try {
        // The watch is created before the put only if its process has connected; put until it sees one.
        // The event's lines may come in separate chunks: wait for the key's line, not just "PUT".
        const event = `PUT\n${d}ok/k\n`;
        let seen = '';
        for (let i = 0; i < 50 && !seen.includes(event); i++) {
          await etcdctl(t.target.endpoints, ['--user=frank:pw', 'put', `${d}ok/k`, `v${i}`]);
          seen = await w.until('an event', (out) => out.includes(event), 200).catch(() => '');
        }
        t.record('watch --prefix ok/ saw', seen.split('\n').slice(0, 2).join('\n'));
        expect(seen).toContain(`PUT\n${d}ok/k\n`);
      } finally {
        await w.stop();
      }
    });
    await ok(t, ['user', 'delete', 'frank']);
    await ok(t, ['role', 'delete', 'watcher']);
  });

  test('the etcd3 npm client logs in with its auth option', async (t) => {
    const d = t.dir;
    await ok(t, ['role', 'add', 'npm']);
    await ok(t, ['role', 'grant-permission', 'npm', 'readwrite', `${d}`, '--prefix']);
    await ok(t, ['user', 'add', 'gina:pw']);
    await ok(t, ['user', 'grant-role', 'gina', 'npm']);
    await withAuth(t, async () => {
      const hosts = t.target.endpoints.map((e) => `http://${e}`);
      const good = new Etcd3({ hosts, auth: { username: 'gina', password: 'pw' }, dialTimeout: 5000 });
      const bad = new Etcd3({ hosts, auth: { username: 'gina', password: 'nope' }, dialTimeout: 5000 });
      const anonymous = new Etcd3({ hosts, dialTimeout: 5000 });
      const outcome = async (label: string, run: () => Promise<unknown>): Promise<string> => {
        let text: string;
        try {
          text = `answered ${JSON.stringify(await run())}`;
        } catch (e) {
          text = `threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
        }
        t.record(label, text);
        return text;
      };
      try {
        await outcome('put', () => good.put(`${d}k`).value('v').then(() => 'ok'));
        expect(await outcome('get', () => good.get(`${d}k`).string())).toBe('answered "v"');
        expect(await outcome('get outside', () => good.get('elsewhere').string())).toContain('permission denied');
        expect(await outcome('wrong password', () => bad.get(`${d}k`).string())).toContain('authentication failed');
        expect(await outcome('no credentials', () => anonymous.get(`${d}k`).string())).toContain('user name is empty');
      } finally {
        good.close();
        bad.close();
        anonymous.close();
      }
    });
    await ok(t, ['user', 'delete', 'gina']);
    await ok(t, ['role', 'delete', 'npm']);
  });

  test('a user without the root role compacts', async (t) => {
    await ok(t, ['user', 'add', 'hank:pw']);
    await withAuth(t, async () => {
      const put = JSON.parse(await ok(t, ['put', `${t.dir}k`, 'v', '-w', 'json'], { user: ROOT })) as { header: { revision: number } };
      const rev = put.header.revision;
      expect(await ok(t, ['compaction', String(rev)], { user: 'hank:pw' })).toBe(`compacted revision ${rev}\n`);
    });
    await ok(t, ['user', 'delete', 'hank']);
  });
}
