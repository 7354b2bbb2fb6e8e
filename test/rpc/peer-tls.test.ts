// The peer transport over TLS, as members with https peer URLs and --peer-client-cert-auth use it:
// messages and snapshots flow between members holding certificates from the peer CA; a connection
// without a certificate, with one from another CA, with a CN other than --peer-cert-allowed-cn, or
// in plaintext is refused at the TLS layer — its calls, valid as they may be, never reach the
// handler. Certificates are made with openssl.
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotMessage } from '../../raft/messages.js';
import type { NodeId } from '../../raft/types.js';
import { encodeMessage } from '../../rpc/peer-message-codec.js';
import { identityMetadata, peerClientConstructor } from '../../rpc/peer-service.js';
import { PeerTransport } from '../../rpc/peer-transport.js';
import type { ServerTls } from '../../rpc/tls-config.js';
import { ClientTlsCredentials, dialerFor } from '../../rpc/tls-credentials.js';
import { DEFAULT_TLS_POLICY } from '../../rpc/tls-policy.js';
import { checkBinaries } from '../support/binaries.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { chunks, numbered, recordingLogger, RecordingHandler, sequenceOf } from './peer-test-helpers.js';

const binaries = checkBinaries(['openssl'], 'the peer TLS tests');

interface TlsMember {
  readonly id: NodeId;
  readonly transport: PeerTransport;
  readonly handler: RecordingHandler;
  readonly url: string;
}

describe.runIf(binaries.run)('the peer transport over mutual TLS', () => {
  let pki: TestPki;
  let ca: CaFiles;
  let other: CaFiles;
  const certs: Record<string, CertFiles> = {};
  const members: TlsMember[] = [];
  const log = recordingLogger();

  const serverTls = (name: string): ServerTls => ({
    certFile: certs[name]!.cert,
    keyFile: certs[name]!.key,
    trustedCaFile: ca.cert,
    clientCertAuth: true,
    allowedCn: 'member',
    policy: DEFAULT_TLS_POLICY,
  });

  async function start(id: NodeId, name: string): Promise<TlsMember> {
    const handler = new RecordingHandler();
    const dial = dialerFor(new ClientTlsCredentials({ certFile: certs[name]!.cert, keyFile: certs[name]!.key, trustedCaFile: ca.cert, insecureSkipVerify: false, policy: DEFAULT_TLS_POLICY }));
    const transport = new PeerTransport({ selfId: id, clusterId: 'tls-cluster', listen: '127.0.0.1:0', listenTls: serverTls(name), dial, handler, logger: log.logger });
    await transport.start();
    const member = { id, transport, handler, url: `https://127.0.0.1:${transport.port}` };
    members.push(member);
    return member;
  }

  /** One Stream call carrying a valid message from member 1 to `to`, over `creds`; how it ended. */
  function inject(to: TlsMember, creds: ChannelCredentials): Promise<string> {
    const Client = peerClientConstructor();
    const client = new Client(`127.0.0.1:${to.transport.port}`, creds, { 'grpc.use_local_subchannel_pool': 1 });
    return new Promise<string>((resolve) => {
      const call = client.Stream(identityMetadata({ clusterId: 'tls-cluster', sender: 1, recipient: to.id }), { deadline: Date.now() + 3000 }, (error) => {
        client.close();
        resolve(error ? `refused: ${error.details}` : 'accepted');
      });
      call.on('error', () => undefined);
      call.write({ messages: [encodeMessage(numbered(1, to.id, 999))] });
      call.end();
    });
  }

  beforeAll(async () => {
    binaries.assertPresent();
    pki = await TestPki.create();
    ca = await pki.ca('peer-ca');
    other = await pki.ca('other-ca');
    certs.a = await pki.issue(ca, 'a', { cn: 'member' });
    certs.b = await pki.issue(ca, 'b', { cn: 'member' });
    certs.intruder = await pki.issue(ca, 'intruder', { cn: 'intruder' });
    certs.foreign = await pki.issue(other, 'foreign', { cn: 'member' });
  });

  afterAll(async () => {
    await Promise.all(members.map((m) => m.transport.close()));
    await pki?.destroy();
  });

  it('carries messages and snapshots between members with certificates from the peer CA', async () => {
    const a = await start(1, 'a');
    const b = await start(2, 'b');
    a.transport.setPeer(2, [b.url]);
    b.transport.setPeer(1, [a.url]);
    a.transport.send([numbered(1, 2, 0), numbered(1, 2, 1), numbered(1, 2, 2)]);
    await b.handler.until(() => b.handler.received.length === 3);
    expect(b.handler.received.map(sequenceOf)).toEqual([0, 1, 2]);

    a.handler.payloadFor = () => chunks([new Uint8Array(100_000).fill(3)]);
    const snapshot: SnapshotMessage = { type: 'snapshot', from: 1, to: 2, term: 1, snapshot: { meta: { index: 10, term: 1, confState: { voters: [1, 2], learners: [] } }, data: new Uint8Array() } };
    a.transport.send([snapshot]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: true }]);
    expect(b.handler.staged[0]?.bytes).toBe(100_000);
  });

  it('refuses, at the TLS layer, a peer with no certificate, one from another CA, one with another CN, and plaintext', async () => {
    const b = members.find((m) => m.id === 2)!;
    const before = b.handler.received.length;
    const caPem = readFileSync(ca.cert);
    const withCert = (c: CertFiles): ChannelCredentials => credentials.createSsl(caPem, readFileSync(c.key), readFileSync(c.cert));
    expect(await inject(b, credentials.createSsl(caPem))).toMatch(/^refused/);
    expect(await inject(b, withCert(certs.foreign!))).toMatch(/^refused/);
    expect(await inject(b, withCert(certs.intruder!))).toMatch(/^refused/);
    expect(await inject(b, credentials.createInsecure())).toMatch(/^refused/);
    // The same call with a member's certificate gets through: the refusals were the TLS layer's.
    expect(await inject(b, withCert(certs.a!))).toBe('accepted');
    await b.handler.until(() => b.handler.received.length === before + 1);
    expect(b.handler.received.slice(before).map(sequenceOf)).toEqual([999]);
    const reasons = log.records.filter((r) => r.msg === 'rejected connection').map((r) => String(r.reason));
    expect(reasons.some((r) => /certificate/i.test(r))).toBe(true);
    expect(reasons.some((r) => /not the allowed "member"/.test(r))).toBe(true);
  });

  it('presents a rotated certificate file on new connections', async () => {
    const b = members.find((m) => m.id === 2)!;
    const cnOf = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: b.transport.port, ca: readFileSync(ca.cert), cert: readFileSync(certs.a!.cert), key: readFileSync(certs.a!.key), ALPNProtocols: ['h2'], servername: 'localhost' }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.destroy();
        });
        socket.on('error', reject);
      });
    expect(await cnOf()).toBe('member');
    const rotated = await pki.issue(ca, 'b-rotated', { cn: 'member-rotated' });
    const { copyFile } = await import('node:fs/promises');
    await copyFile(rotated.key, certs.b!.key);
    await copyFile(rotated.cert, certs.b!.cert);
    expect(await cnOf()).toBe('member-rotated');
  });
});
