// The member's TLS, from its flags as etcd reads them: what its https client and peer URLs serve
// with, and what it dials other members with — its peer certificate toward peer URLs (a member
// calls no other member's client URL for the API: what it passes on to the leader goes over the peer
// protocol; only the console asks each member's client URL for its own status).
//
// etcd's rules kept here: an http URL is served in plaintext even when certificates are given
// (with a warning); --auto-tls gives way to certificate files, and replaces the client TLS
// settings wholesale, so --client-cert-auth and --trusted-ca-file do not apply to a self-signed
// certificate (etcd 3.4 behaves so; a warning says it); members dial a self-signed peer
// without verifying it.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClientTls, ServerTls } from '../rpc/tls-config.js';
import { ClientTlsCredentials, dialerFor, type Dialer } from '../rpc/tls-credentials.js';
import type { TlsPolicy } from '../rpc/tls-policy.js';
import { selfSignedFixture } from './auto-tls.js';
import type { MemberOptions } from './member-options.js';

export interface MemberTls {
  /** What https client URLs serve with (undefined: none is https). */
  readonly client: ServerTls | undefined;
  /** What the https peer URL serves with (undefined: it is http). */
  readonly peer: ServerTls | undefined;
  /** Credentials toward peer URLs (raft traffic, snapshots, joining, requests passed on to the leader). */
  readonly dialPeers: Dialer;
  /** What the console uses toward other members' https client URLs: the client side's CA and certificate. */
  readonly dialClients: ClientTls;
}

interface Side {
  readonly name: 'client' | 'peer';
  readonly flag: string;
  readonly listenUrls: readonly string[];
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  readonly certAuth: boolean;
  readonly crlFile: string;
  readonly autoTls: boolean;
  readonly allowedCn: string;
}

export async function memberTls(o: MemberOptions, fixturesRoot: string, logger: Logger): Promise<MemberTls> {
  const policy: TlsPolicy = { cipherSuites: o.cipherSuites, minVersion: o.tlsMinVersion };
  const client = await side(
    {
      name: 'client',
      flag: '',
      // An https metrics URL is served with the client certificate, as etcd does.
      listenUrls: [...o.listenClientUrls, ...o.listenMetricsUrls.filter((u) => u.startsWith('https://'))],
      certFile: o.certFile,
      keyFile: o.keyFile,
      trustedCaFile: o.trustedCaFile,
      certAuth: o.clientCertAuth,
      crlFile: o.clientCrlFile,
      autoTls: o.autoTls,
      allowedCn: '',
    },
    fixturesRoot,
    policy,
    logger,
  );
  const peer = await side(
    {
      name: 'peer',
      flag: 'peer-',
      listenUrls: o.listenPeerUrls,
      certFile: o.peerCertFile,
      keyFile: o.peerKeyFile,
      trustedCaFile: o.peerTrustedCaFile,
      certAuth: o.peerClientCertAuth,
      crlFile: o.peerCrlFile,
      autoTls: o.peerAutoTls,
      allowedCn: o.peerCertAllowedCn,
    },
    fixturesRoot,
    policy,
    logger,
  );
  return {
    client: client.serve,
    peer: peer.serve,
    dialPeers: dialerFor(new ClientTlsCredentials(peer.dial)),
    dialClients: client.dial,
  };
}

async function side(s: Side, fixturesRoot: string, policy: TlsPolicy, logger: Logger): Promise<{ serve: ServerTls | undefined; dial: ClientTls }> {
  const anyHttps = s.listenUrls.some((u) => u.startsWith('https://'));
  for (const url of s.listenUrls) {
    if (url.startsWith('https://')) continue;
    if (s.certFile !== '') logger.warn({ url }, `the scheme of ${s.name} url ${url} is HTTP while key and cert files are given: they are ignored for this url`);
    if (s.certAuth) logger.warn({ url }, `the scheme of ${s.name} url ${url} is HTTP while --${s.flag}client-cert-auth is enabled: it is ignored for this url`);
  }
  let certFile = s.certFile;
  let keyFile = s.keyFile;
  let selfSigned = false;
  if (s.autoTls && certFile !== '') logger.warn(`ignoring ${s.name} auto TLS since certs given`);
  else if (s.autoTls && anyHttps) {
    const usages = s.name === 'peer' ? (['serverAuth', 'clientAuth'] as const) : (['serverAuth'] as const);
    ({ certFile, keyFile } = await selfSignedFixture(join(fixturesRoot, 'fixtures', s.name), s.listenUrls, usages, logger));
    selfSigned = true;
    if (s.certAuth || s.trustedCaFile !== '' || s.allowedCn !== '') {
      logger.warn(`--${s.flag}auto-tls replaces the ${s.name} TLS settings, as etcd's does: --${s.flag}client-cert-auth, --${s.flag}trusted-ca-file and --peer-cert-allowed-cn do not apply`);
    }
  }
  if (s.allowedCn !== '' && !s.certAuth && s.trustedCaFile === '') {
    logger.warn('--peer-cert-allowed-cn has no effect without --peer-client-cert-auth (no peer certificate is asked for)');
  }
  const dial: ClientTls = selfSigned
    ? { certFile, keyFile, insecureSkipVerify: true, policy }
    : { ...(certFile ? { certFile, keyFile } : {}), ...(s.trustedCaFile ? { trustedCaFile: s.trustedCaFile } : {}), insecureSkipVerify: false, policy };
  if (!anyHttps) return { serve: undefined, dial };
  const serve: ServerTls = selfSigned
    ? { certFile, keyFile, clientCertAuth: false, policy }
    : {
        certFile,
        keyFile,
        ...(s.trustedCaFile ? { trustedCaFile: s.trustedCaFile } : {}),
        ...(s.crlFile ? { crlFile: s.crlFile } : {}),
        clientCertAuth: s.certAuth,
        ...(s.allowedCn ? { allowedCn: s.allowedCn } : {}),
        policy,
      };
  logger.info({ cert: serve.certFile, trustedCa: serve.trustedCaFile ?? '', clientCertAuth: serve.clientCertAuth, crl: serve.crlFile ?? '', selfSigned }, `${s.name} TLS`);
  return { serve, dial };
}
