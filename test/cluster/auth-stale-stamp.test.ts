// A request is stamped with the auth revision of the member it reaches, and its apply refuses it as
// "revision of auth store is old" when an auth change came first. A follower that has not applied
// an auth change yet stamps the old revision: etcd answers the client with that error, and Go's
// client logs in again and retries, which the etcd3 npm client does not. The member retries for
// every client, so the answer is the one the current auth store gives. The follower's applies are
// held back by a fault file so that it is always behind when the request reaches it.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { FAULT_SETTLE_MS, startClusterWithFaults, type ClusterWithFaults } from '../support/member-fault-files.js';

/** Longer than the leader takes to commit and apply, so the follower is behind it. */
const FOLLOWER_APPLY_DELAY_MS = 1000;

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;

/** Calls a unary method with an optional token; resolves with "ok" or "error: <details>". */
function call<Req, Res>(method: (req: Req, md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => unknown, self: object, req: Req, token?: string): Promise<string> {
  const md = new Metadata();
  if (token !== undefined) md.set('token', token);
  return new Promise((resolve) => {
    method.call(self, req, md, { deadline: Date.now() + 15_000 }, (err: ServiceError | null) => resolve(err ? `error: ${err.details}` : 'ok'));
  });
}

function login(client: ReturnType<typeof createEtcdClient<'Auth'>>, name: string, password: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.Authenticate({ name, password }, new Metadata(), { deadline: Date.now() + 15_000 }, (err, res) => (err || !res ? reject(err ?? new Error('no token')) : resolve(res.token))),
  );
}

const bytes = (s: string): Buffer => Buffer.from(s);
const PREFIX = 'app/';
const PREFIX_END = 'app0';

describe('an auth change that overtakes a request stamped by a follower that is behind', () => {
  let started: ClusterWithFaults | undefined;
  const closers: (() => void)[] = [];
  const answers: Record<string, string> = {};

  afterAll(async () => {
    for (const c of closers) c();
    await started?.destroy();
  }, 30_000);

  beforeAll(async () => {
    started = await startClusterWithFaults('auth-stale-stamp-');
    const { cluster, faults: files } = started;
    const { leaderIndex } = await cluster.waitReady();
    const leader = cluster.member(leaderIndex);
    const follower = cluster.members.find((m) => m.index !== leaderIndex)!;
    const onLeader = createEtcdClient('Auth', leader.endpoint);
    const onFollower = createEtcdClient('Auth', follower.endpoint);
    const kv = createEtcdClient('KV', follower.endpoint);
    closers.push(() => [onLeader, onFollower, kv].forEach((c) => c.close()));

    const setUp = [
      () => call(onLeader.UserAdd, onLeader, { name: 'root', password: 'rootpw' }),
      () => call(onLeader.RoleAdd, onLeader, { name: 'root' }),
      () => call(onLeader.UserGrantRole, onLeader, { user: 'root', role: 'root' }),
      () => call(onLeader.RoleAdd, onLeader, { name: 'live' }),
      () => call(onLeader.UserAdd, onLeader, { name: 'erin', password: 'pw' }),
      () => call(onLeader.UserGrantRole, onLeader, { user: 'erin', role: 'live' }),
      () => call(onLeader.AuthEnable, onLeader, {}),
    ];
    for (const step of setUp) expect(await step()).toBe('ok');
    const root = await login(onLeader, 'root', 'rootpw');
    const grant = { name: 'live', perm: { permType: 'READWRITE' as const, key: bytes(PREFIX), range_end: bytes(PREFIX_END) } };
    const revoke = { role: 'live', key: bytes(PREFIX), range_end: bytes(PREFIX_END) };
    expect(await call(onLeader.RoleGrantPermission, onLeader, grant, root)).toBe('ok');
    const erin = await login(onFollower, 'erin', 'pw');
    answers.before = await call(kv.Put, kv, { key: bytes(`${PREFIX}k`), value: bytes('1') }, erin);

    await files.set(follower.name, { applyDelayMs: FOLLOWER_APPLY_DELAY_MS });
    await new Promise((r) => setTimeout(r, FAULT_SETTLE_MS));
    expect(await call(onLeader.RoleRevokePermission, onLeader, revoke, root)).toBe('ok');
    answers.afterRevoke = await call(kv.Put, kv, { key: bytes(`${PREFIX}k`), value: bytes('2') }, erin);
    expect(await call(onLeader.RoleGrantPermission, onLeader, grant, root)).toBe('ok');
    answers.afterGrant = await call(kv.Put, kv, { key: bytes(`${PREFIX}k`), value: bytes('3') }, erin);
    await files.set(follower.name, {});
  }, 90_000);

  it('a put the role allows goes through the follower', () => {
    expect(answers.before).toBe('ok');
  });

  it('after the permission is revoked, the put is refused for the permission, not for the stamp', () => {
    expect(answers.afterRevoke).toBe('error: etcdserver: permission denied');
  });

  it('after it is granted again, the put goes through', () => {
    expect(answers.afterGrant).toBe('ok');
  });
});
