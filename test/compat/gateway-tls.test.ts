// etcd's JSON gateway on https client URLs with --client-cert-auth, beside etcd 3.4: HTTP/1.1 over
// TLS on the gRPC port, client certificates checked before a byte of HTTP is read, and — once auth
// is on — a certificate with a CN refused on /v3/ (the gateway does not take a CN as the user, and
// etcd says so), while a certificate without one goes on with a token as usual.
import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { afterAll, describe } from 'vitest';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { describeAnswer, GatewayClient } from './gateway-client.js';
import { GatewayMasks } from './gateway-masks.js';

const binaries = checkBinaries(['etcd', 'openssl'], 'the JSON gateway over TLS beside etcd');

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/**
 * What curl and Python's requests send. etcd's gateway marks a call as its own only when the request
 * has an Accept header; without one, etcd 3.4 takes the CN of the certificate it dials itself with
 * (the member's) as the user — Lodestone never takes a certificate's CN for a gateway call.
 */
const ACCEPT = { Accept: '*/*' } as const;

describe.runIf(binaries.run)('the JSON gateway on https client URLs, beside etcd', () => {
  let pki: TestPki | undefined;
  let ca: CaFiles;
  const certs = new Map<string, CertFiles>();

  const clusters = useClustersBesideEtcd(binaries, async () => {
    pki = await TestPki.create('lodestone-gateway-tls-');
    ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    certs.set('root', await pki.issue(ca, 'root', { subject: '/CN=root', usages: ['clientAuth'] }));
    certs.set('no-cn', await pki.issue(ca, 'no-cn', { subject: '/O=lodestone-test', usages: ['clientAuth'] }));
    const root = certs.get('root')!;
    return {
      httpsClients: true,
      probeCredentials: credentials.createSsl(readFileSync(ca.cert), readFileSync(root.key), readFileSync(root.cert)),
      extraArgs: ['--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca.cert, '--client-cert-auth'],
    };
  });

  afterAll(async () => {
    await pki?.destroy();
  });

  const client = (c: ComparedCluster, who: string | undefined): GatewayClient => {
    const cert = who === undefined ? undefined : certs.get(who)!;
    return new GatewayClient(c.endpoint, { ca: readFileSync(ca.cert), ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}) }, ACCEPT);
  };

  itAnswersAsEtcd(clusters, 'HTTP/1.1 over TLS, and a certificate CN refused once auth is on', async (c) => {
    const out: string[] = [];
    const masks = new GatewayMasks();
    const withCn = client(c, 'root');
    const withoutCn = client(c, 'no-cn');
    const noCert = client(c, undefined);
    const record = async (label: string, answer: Promise<Awaited<ReturnType<GatewayClient['post']>>>): Promise<string> => {
      const a = await answer;
      out.push(`${label}: ${describeAnswer(a, masks.body(a.body).replace(/"token":"[^"]*"/, '"token":"<token>"'))}`);
      return a.body;
    };
    try {
      await record('put, a certificate with a CN, auth off', withCn.post('/v3/kv/put', { key: b64('tls/a'), value: b64('1') }));
      await record('range, a certificate without a CN', withoutCn.post('/v3/kv/range', { key: b64('tls/a') }));
      try {
        await noCert.post('/v3/kv/range', { key: b64('tls/a') });
        out.push('no certificate: answered');
      } catch {
        out.push('no certificate: refused at the TLS layer');
      }
      await record('add root', withoutCn.post('/v3/auth/user/add', { name: 'root', password: 'pw' }));
      await record('grant root', withoutCn.post('/v3/auth/user/grant', { user: 'root', role: 'root' }));
      await record('enable auth', withoutCn.post('/v3/auth/enable', {}));
      const token = (JSON.parse(await record('authenticate', withoutCn.post('/v3/auth/authenticate', { name: 'root', password: 'pw' }))) as { token: string }).token;
      try {
        await record('range, a certificate with a CN, auth on', withCn.post('/v3/kv/range', { key: b64('tls/a') }));
        await record('range, with a CN and a token', withCn.post('/v3/kv/range', { key: b64('tls/a') }, { headers: { Authorization: token } }));
        await record('range, no CN, a token, an empty key', withoutCn.post('/v3/kv/range', {}, { headers: { Authorization: token } }));
        await record('a path outside /v3/, with a CN', withCn.post('/nothing', {}));
        await record('range, no CN, a token', withoutCn.post('/v3/kv/range', { key: b64('tls/a') }, { headers: { Authorization: token } }));
        await record('range, no CN, no token', withoutCn.post('/v3/kv/range', { key: b64('tls/a') }));
      } finally {
        await record('disable auth', withoutCn.post('/v3/auth/disable', {}, { headers: { Authorization: token } }));
      }
      await record('delete root', withoutCn.post('/v3/auth/user/delete', { name: 'root' }));
      await record('range, a certificate with a CN, auth off again', withCn.post('/v3/kv/range', { key: b64('tls/a') }));
    } finally {
      withCn.close();
      withoutCn.close();
      noCert.close();
    }
    return out;
  });
});
