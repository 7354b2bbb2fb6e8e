// A member's auth beyond what etcdctl 3.4 can show beside etcd (test/compat/etcdctl-auth.test.ts
// does that): AuthStatus (etcd 3.5's RPC, which etcd 3.4 does not serve), JWT tokens
// (--auth-token jwt,…) that go stale when the auth store moves, simple tokens that expire unused
// (--auth-token-ttl), an auth store that survives a restart, and client certificates that are users
// only with --client-cert-auth (test/compat/etcdctl-cert-cn.test.ts has the rest of that beside
// etcd). Members run in this process, over real gRPC.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { credentials as grpcCredentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAuthTokenOptions } from '../../cluster/auth-token-options.js';
import type { Member } from '../../cluster/member.js';
import { startInProcessMember } from '../support/in-process-member.js';
import type { MemberOptions } from '../../cluster/member-options.js';
import { createEtcdClient, type ServiceClient } from '../../rpc/etcd-api.js';
import { checkBinaries } from '../support/binaries.js';
import { TestPki } from '../support/test-certs.js';

let dir: string;
const members: Member[] = [];
const clients: { close(): void }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lodestone-auth-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(members.splice(0).map((m) => m.close()));
  await rm(dir, { recursive: true, force: true });
});

async function startMember(
  extra: Partial<MemberOptions> = {},
  credentials?: ChannelCredentials,
): Promise<{ auth: ServiceClient<'Auth'>; kv: ServiceClient<'KV'>; member: Member }> {
  const member = await startInProcessMember(extra);
  members.push(member);
  const address = `127.0.0.1:${member.clientPorts[0]!}`;
  const auth = createEtcdClient('Auth', address, credentials ? { credentials } : {});
  const kv = createEtcdClient('KV', address, credentials ? { credentials } : {});
  clients.push(auth, kv);
  return { auth, kv, member };
}

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;

/** Calls a unary method with an optional token; resolves with the response or "error: <details>". */
function call<Req, Res>(method: (req: Req, md: Metadata, cb: Callback<Res>) => unknown, self: object, req: Req, token?: string): Promise<Res | string> {
  const md = new Metadata();
  if (token !== undefined) md.set('token', token);
  return new Promise((resolve) => {
    method.call(self, req, md, (err: ServiceError | null, res?: Res) => resolve(err ? `error: ${err.details}` : res!));
  });
}

const bytes = (s: string): Buffer => Buffer.from(s);
/** 'ok' for a response, the error text for an error. */
const ok = (r: unknown): string => (typeof r === 'string' ? r : 'ok');

async function setUp(auth: ServiceClient<'Auth'>): Promise<void> {
  const steps: [string, object][] = [
    ['UserAdd', { name: 'root', password: 'rootpw' }],
    ['UserGrantRole', { user: 'root', role: 'root' }],
    ['UserAdd', { name: 'u', password: 'upw' }],
    ['RoleAdd', { name: 'app' }],
    ['RoleGrantPermission', { name: 'app', perm: { permType: 'READWRITE', key: bytes('app/'), range_end: bytes('app0') } }],
    ['UserGrantRole', { user: 'u', role: 'app' }],
    ['AuthEnable', {}],
  ];
  for (const [method, req] of steps) {
    const res = await call((auth as unknown as Record<string, (r: object, md: Metadata, cb: Callback<object>) => unknown>)[method]!, auth, req);
    expect(ok(res), method).toBe('ok');
  }
}

async function login(auth: ServiceClient<'Auth'>, name: string, password: string): Promise<string> {
  const r = await call<object, { token: string }>(auth.Authenticate as never, auth, { name, password });
  if (typeof r === 'string') throw new Error(r);
  return r.token;
}

describe('auth on a member', () => {
  it('AuthStatus tells whether auth is on and the auth revision, to root only once it is on', async () => {
    const { auth } = await startMember();
    const before = await call(auth.AuthStatus, auth, {});
    expect(before).toMatchObject({ enabled: false, authRevision: '1' });
    await setUp(auth);
    const root = await login(auth, 'root', 'rootpw');
    expect(await call(auth.AuthStatus, auth, {}, root)).toMatchObject({ enabled: true, authRevision: '7' });
    expect(await call(auth.AuthStatus, auth, {}, await login(auth, 'u', 'upw'))).toBe('error: etcdserver: permission denied');
    expect(await call(auth.AuthStatus, auth, {}, 'not.a-token')).toBe('error: etcdserver: invalid auth token');
  });

  it('JWT tokens are signed by the member, carry the auth revision, and go stale when the auth store moves', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = join(dir, 'jwt.key');
    const pub = join(dir, 'jwt.pub');
    await writeFile(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const authToken = parseAuthTokenOptions(`jwt,pub-key=${pub},priv-key=${priv},sign-method=ES256,ttl=1m`);
    const { auth, kv } = await startMember({ authToken });
    await setUp(auth);
    const token = await login(auth, 'u', 'upw');
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { username: string; revision: number; exp: number };
    expect(claims).toMatchObject({ username: 'u', revision: 7 });
    expect(ok(await call(kv.Put, kv, { key: bytes('app/k'), value: bytes('v') }, token))).toBe('ok');
    // Any change to the auth store makes the token old; a new login gives a current one.
    const root = await login(auth, 'root', 'rootpw');
    await call(auth.RoleAdd, auth, { name: 'other' }, root);
    expect(await call(kv.Put, kv, { key: bytes('app/k'), value: bytes('v') }, token)).toBe('error: etcdserver: revision of auth store is old');
    expect(ok(await call(kv.Put, kv, { key: bytes('app/k'), value: bytes('v') }, await login(auth, 'u', 'upw')))).toBe('ok');
    // A token signed with another key is no token.
    const forged = `${token.split('.').slice(0, 2).join('.')}.${Buffer.from('nope').toString('base64url')}`;
    expect(await call(kv.Range, kv, { key: bytes('app/k') }, forged)).toBe('error: etcdserver: invalid auth token');
  });

  it('a simple token unused for --auth-token-ttl seconds expires; one in use lives on', async () => {
    const { auth, kv } = await startMember({ authTokenTtl: 1 });
    await setUp(auth);
    const idle = await login(auth, 'u', 'upw');
    const busy = await login(auth, 'u', 'upw');
    expect(idle).toMatch(/^[A-Za-z]{16}\.\d+$/);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 400));
      expect(ok(await call(kv.Range, kv, { key: bytes('app/k') }, busy))).toBe('ok');
    }
    expect(await call(kv.Range, kv, { key: bytes('app/k') }, idle)).toBe('error: etcdserver: invalid auth token');
  });

  it("a token sent twice, as Python's etcd3 client sends it (as metadata and as call credentials), is that token", async () => {
    const { auth, kv } = await startMember();
    await setUp(auth);
    const token = await login(auth, 'u', 'upw');
    const md = new Metadata();
    md.add('token', token);
    md.add('token', token);
    const answer = await new Promise<string>((resolve) => {
      kv.Range({ key: bytes('app/k') }, md, (err: ServiceError | null) => resolve(err ? `error: ${err.details}` : 'ok'));
    });
    expect(answer).toBe('ok');
  });

  it('users, roles and the enabled flag survive a restart; tokens do not', async () => {
    const dataDir = join(dir, 'data');
    const first = await startMember({ inMemory: false, dataDir });
    await setUp(first.auth);
    const token = await login(first.auth, 'u', 'upw');
    await first.member.close();
    members.splice(members.indexOf(first.member), 1);
    const again = await startMember({ inMemory: false, dataDir });
    expect(await call(again.kv.Range, again.kv, { key: bytes('app/k') })).toBe('error: etcdserver: user name is empty');
    expect(await call(again.kv.Range, again.kv, { key: bytes('app/k') }, token)).toBe('error: etcdserver: invalid auth token');
    const fresh = await login(again.auth, 'u', 'upw');
    expect(ok(await call(again.kv.Range, again.kv, { key: bytes('app/k') }, fresh))).toBe('ok');
    expect(await call(again.kv.Range, again.kv, { key: bytes('other') }, fresh)).toBe('error: etcdserver: permission denied');
  });
});

const openssl = checkBinaries(['openssl'], 'the client certificate tests of auth on a member');

describe.runIf(openssl.run)('client certificates and auth on a member', () => {
  it('a trusted CA alone has client certificates verified, not taken as users; --client-cert-auth takes their CN', async () => {
    openssl.assertPresent();
    const pki = await TestPki.create('lodestone-auth-cn-');
    try {
      const ca = await pki.ca('ca');
      const server = await pki.issue(ca, 'member');
      const u = await pki.issue(ca, 'u', { usages: ['clientAuth'] });
      const creds = grpcCredentials.createSsl(readFileSync(ca.cert), readFileSync(u.key), readFileSync(u.cert));
      const answers: Record<string, string[]> = {};
      for (const clientCertAuth of [false, true]) {
        const { auth, kv } = await startMember(
          {
            listenClientUrls: ['https://127.0.0.1:0'],
            advertiseClientUrls: ['https://127.0.0.1:0'],
            certFile: server.cert,
            keyFile: server.key,
            trustedCaFile: ca.cert,
            clientCertAuth,
          },
          creds,
        );
        await setUp(auth);
        const token = await login(auth, 'u', 'upw');
        answers[String(clientCertAuth)] = [
          ok(await call(kv.Range, kv, { key: bytes('app/k') })),
          ok(await call(kv.Range, kv, { key: bytes('other') })),
          ok(await call(kv.Range, kv, { key: bytes('app/k') }, token)),
        ];
      }
      // What etcd 3.4 answers with the same flags and certificate.
      expect(answers).toEqual({
        false: ['error: etcdserver: user name is empty', 'error: etcdserver: user name is empty', 'ok'],
        true: ['ok', 'error: etcdserver: permission denied', 'ok'],
      });
    } finally {
      await pki.destroy();
    }
  });
});
