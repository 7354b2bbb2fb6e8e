// openNode with the member's TLS and auth-token options: a node serving https with client
// certificates required (connect({ tls }) reaches it, plaintext and a client without a certificate
// do not), auth turned on through client.auth and a second client logged in as a user writing
// within its permissions, three in-process members whose peers speak mutual TLS, and client.auth on
// an embedded node. Certificates are made with openssl (test/support/test-certs.ts).
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, isClientError, isEtcdError, openNode, type Client, type ClientTlsOptions, type LodestoneNode } from '../../index.js';
import { memberOptionsFor } from '../../client/node-options.js';
import { checkBinaries } from '../support/binaries.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };
const binaries = checkBinaries(['openssl'], 'the openNode TLS tests');

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('memberOptionsFor, TLS and auth tokens', () => {
  it('passes the TLS options under their etcd names, parses an --auth-token value, and leaves unset ones to the defaults', () => {
    const o = memberOptionsFor(
      { inMemory: true },
      {
        tls: { certFile: 'c.pem', keyFile: 'k.pem', clientCertAuth: true, peerAutoTls: true, tlsMinVersion: 'TLS1.3', trustedCaFile: undefined },
        authToken: 'simple',
        authTokenTtl: 7,
      },
    );
    expect(o).toMatchObject({ certFile: 'c.pem', keyFile: 'k.pem', clientCertAuth: true, peerAutoTls: true, tlsMinVersion: 'TLS1.3', authToken: { kind: 'simple' }, authTokenTtl: 7 });
    expect('trustedCaFile' in o).toBe(false);
    expect(() => memberOptionsFor({ inMemory: true }, { authToken: 'jwt,sign-method=HS256' })).toThrow(/invalid auth options/);
  });
});

describe.runIf(binaries.run)('openNode serving https', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let server: CertFiles;
  let user: CertFiles;
  let tls: ClientTlsOptions;

  beforeAll(async () => {
    binaries.assertPresent();
    pki = await TestPki.create();
    ca = await pki.ca('ca');
    server = await pki.issue(ca, 'member');
    user = await pki.issue(ca, 'client', { usages: ['clientAuth'] });
    tls = { ca: readFileSync(ca.cert), cert: readFileSync(user.cert), key: readFileSync(user.key) };
  });
  afterAll(async () => {
    await pki?.destroy();
  });

  const serveTls = () => ({ certFile: server.cert, keyFile: server.key, trustedCaFile: ca.cert, clientCertAuth: true });

  it('takes clients with a certificate over TLS, and refuses plaintext and a client without one', async () => {
    const node = await openNode({ inMemory: true }, { tuning: TUNING, serve: { clientUrls: [`https://${LOOPBACK}:0`] }, tls: serveTls() });
    try {
      const [url] = node.clientUrls;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const client = await connect({ endpoints: node.clientUrls, tls });
      try {
        await client.put('tls/k', 'over TLS');
        expect((await client.get('tls/k'))?.valueString).toBe('over TLS');
      } finally {
        await client.close();
      }
      const plain = await failure(() => connect({ endpoints: [url!.replace('https:', 'http:')], connectTimeoutMs: 1500 }));
      expect(isClientError(plain, 'LODESTONE_UNAVAILABLE')).toBe(true);
      const noCert = await failure(() => connect({ endpoints: node.clientUrls, tls: { ca: tls.ca! }, connectTimeoutMs: 1500 }));
      expect(isClientError(noCert, 'LODESTONE_UNAVAILABLE')).toBe(true);
    } finally {
      await node.close();
    }
  });

  it('turns auth on through client.auth; a client logged in as a user then writes within its permissions (JWT tokens)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const node = await openNode(
      { inMemory: true },
      {
        tuning: TUNING,
        serve: { clientUrls: [`https://${LOOPBACK}:0`] },
        tls: serveTls(),
        authToken: { kind: 'jwt', signMethod: 'ES256', privateKey, publicKey, ttlMs: 60_000 },
        authTokenTtl: 60,
      },
    );
    const clients: Client[] = [];
    try {
      expect(node.member.options.authToken.kind).toBe('jwt');
      const admin = await connect({ endpoints: node.clientUrls, tls });
      clients.push(admin);
      await admin.auth.userAdd('root', 'rootpw');
      await admin.auth.userGrantRole('root', 'root');
      await admin.auth.roleAdd('app');
      await admin.auth.roleGrantPermission('app', 'readwrite', { prefix: 'app/' });
      await admin.auth.userAdd('svc', 'svcpw');
      await admin.auth.userGrantRole('svc', 'app');
      expect(await admin.auth.authStatus()).toMatchObject({ enabled: false });
      await admin.auth.authEnable();

      // Without a token it may not write: as etcd, the member takes its certificate's CN ("client",
      // which names no user) as the user, and denies it.
      const anonymous = await failure(() => admin.put('app/x', '0'));
      expect(isEtcdError(anonymous, 'ETCD_PERMISSION_DENIED')).toBe(true);
      const wrong = await failure(() => connect({ endpoints: node.clientUrls, tls, auth: { username: 'svc', password: 'nope' } }));
      expect(wrong).toMatchObject({ code: 'ETCD_AUTH_FAILED' });

      const svc = await connect({ endpoints: node.clientUrls, tls, auth: { username: 'svc', password: 'svcpw' } });
      clients.push(svc);
      await svc.put('app/x', '1');
      expect((await svc.get('app/x'))?.valueString).toBe('1');
      expect(isEtcdError(await failure(() => svc.put('other', '1')), 'ETCD_PERMISSION_DENIED')).toBe(true);
      expect(isEtcdError(await failure(() => svc.auth.userList()), 'ETCD_PERMISSION_DENIED')).toBe(true);

      const root = await connect({ endpoints: node.clientUrls, tls, auth: { username: 'root', password: 'rootpw' } });
      clients.push(root);
      expect(await root.auth.authStatus()).toMatchObject({ enabled: true });
      expect(await root.auth.userList()).toEqual(['root', 'svc']);
      expect(await root.auth.userGet('svc')).toEqual(['app']);
      expect(await root.auth.roleList()).toEqual(['app']); // as etcd's: granting root made no role of that name
      const [perm] = await root.auth.roleGet('app');
      expect({ type: perm?.type, key: Buffer.from(perm!.key).toString(), rangeEnd: Buffer.from(perm!.rangeEnd!).toString() }).toEqual({ type: 'readwrite', key: 'app/', rangeEnd: 'app0' });
      await root.auth.roleRevokePermission('app', { prefix: 'app/' });
      expect(await root.auth.roleGet('app')).toEqual([]);
      expect(isEtcdError(await failure(() => svc.put('app/x', '2')), 'ETCD_PERMISSION_DENIED')).toBe(true);

      await root.auth.authDisable();
      await admin.put('app/x', '3');
      expect((await admin.get('app/x'))?.valueString).toBe('3');
    } finally {
      for (const c of clients) await c.close();
      await node.close();
    }
  });

  it('forms a cluster of three in-process members whose peers speak mutual TLS', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lodestone-node-tls-'));
    const ports = await freePorts(6);
    const peer = (i: number): string => `https://${LOOPBACK}:${ports[2 * i]!}`;
    const members = Object.fromEntries([0, 1, 2].map((i) => [`m${i}`, peer(i)]));
    const peerTls = { peerCertFile: server.cert, peerKeyFile: server.key, peerTrustedCaFile: ca.cert, peerClientCertAuth: true, peerCertAllowedCn: 'member' };
    const nodes: LodestoneNode[] = [];
    try {
      nodes.push(
        ...(await Promise.all(
          [0, 1, 2].map((i) =>
            openNode(
              { dataDir: join(root, `m${i}`) },
              {
                name: `m${i}`,
                cluster: { peerUrl: peer(i), members, token: `node-tls-${process.pid}` },
                serve: { clientUrls: [`https://${LOOPBACK}:${ports[2 * i + 1]!}`] },
                tuning: TUNING,
                tls: { ...serveTls(), ...peerTls },
              },
            ),
          ),
        )),
      );
      await Promise.all(nodes.map((n) => n.ready()));
      expect(nodes.filter((n) => n.isLeader)).toHaveLength(1);
      const client = await connect({ endpoints: nodes.flatMap((n) => n.clientUrls), tls });
      try {
        const { revision } = await client.put('peers/k', 'replicated');
        for (const n of nodes) {
          await n.get('peers/k'); // a linearizable read: the member has applied the write
          expect((await n.get('peers/k', { serializable: true }))?.modRevision).toBe(revision);
        }
      } finally {
        await client.close();
      }
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await rm(root, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('client.auth on an embedded node', () => {
  it('manages users and roles in process; the node\'s own calls are the member\'s and stay unchecked', async () => {
    const node = await openNode({ inMemory: true }, { tuning: TUNING, authTokenTtl: 30 });
    try {
      await node.auth.userAdd('root', 'rootpw');
      await node.auth.userGrantRole('root', 'root');
      await node.auth.userAdd('cn-user', { noPassword: true });
      await node.auth.roleAdd('reader');
      await node.auth.roleGrantPermission('reader', 'read', 'config/app');
      await node.auth.userGrantRole('cn-user', 'reader');
      await node.auth.authEnable();
      expect(await node.auth.authStatus()).toMatchObject({ enabled: true });
      expect(await node.auth.userGet('cn-user')).toEqual(['reader']);
      const [perm] = await node.auth.roleGet('reader');
      expect(perm?.type).toBe('read');
      expect(Buffer.from(perm!.key).toString()).toBe('config/app');
      expect(perm?.rangeEnd).toBeUndefined();
      await node.put('anything', 'still written');
      expect(isEtcdError(await failure(() => node.auth.userAdd('root', 'again')), 'ETCD_USER_ALREADY_EXIST')).toBe(true);
      await expect(node.auth.roleGrantPermission('reader', 'all' as 'read', 'k')).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT' });
    } finally {
      await node.close();
    }
  });
});
