// Makes X.509 certificates with node:crypto: self-signed ones for --auto-tls (as etcd makes at
// start), and a throwaway CA with certificates it signs for `npm run cluster -- --tls`. Keys are
// ECDSA P-256 (etcd's auto TLS uses P-521; P-256 is as widely accepted and quicker to handshake).
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { bitString, boolean, explicit, integer, octetString, oid, sequence, set, time, tlv, utf8String } from './der.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const ORGANIZATION = '2.5.4.10';
const COMMON_NAME = '2.5.4.3';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_ALT_NAME = '2.5.29.17';
const BASIC_CONSTRAINTS = '2.5.29.19';
const EXT_KEY_USAGE = '2.5.29.37';
const USAGE_OIDS = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export interface CertificateSpec {
  readonly organization?: string;
  readonly commonName?: string;
  /** Host names and IP addresses the certificate is for (subjectAltName). */
  readonly hosts?: readonly string[];
  /** A certificate authority (signs others) instead of an end certificate. */
  readonly isCa?: boolean;
  readonly usages?: readonly (keyof typeof USAGE_OIDS)[];
  readonly validDays: number;
  /** The CA that signs it; the certificate signs itself when absent. */
  readonly issuer?: IssuedCertificate;
}

export interface IssuedCertificate {
  /** PEM. */
  readonly cert: string;
  /** PEM, SEC1 ("EC PRIVATE KEY") as etcd writes its auto TLS key. */
  readonly key: string;
  /** The subject as encoded, which a certificate it signs names as its issuer. */
  readonly subject: Buffer;
}

export function makeCertificate(spec: CertificateSpec): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = name(spec);
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    spec.issuer?.subject ?? subject,
    // A minute back, so a peer whose clock is slightly behind does not see it as not yet valid.
    sequence(time(new Date(now - 60_000)), time(new Date(now + spec.validDays * 86_400_000))),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions(spec))),
  );
  const signer: KeyObject = spec.issuer ? createPrivateKey(spec.issuer.key) : privateKey;
  const signature = sign('sha256', tbs, signer);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`,
    key: String(privateKey.export({ type: 'sec1', format: 'pem' })),
    subject,
  };
}

function name(spec: CertificateSpec): Buffer {
  const rdns: Buffer[] = [];
  if (spec.organization) rdns.push(set(sequence(oid(ORGANIZATION), utf8String(spec.organization))));
  if (spec.commonName) rdns.push(set(sequence(oid(COMMON_NAME), utf8String(spec.commonName))));
  return sequence(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function extensions(spec: CertificateSpec): Buffer[] {
  const out: Buffer[] = [];
  if (spec.isCa) {
    // keyCertSign, cRLSign and digitalSignature: bits 0, 5 and 6.
    out.push(extension(KEY_USAGE, true, bitString(Buffer.from([0x86]), 1)));
    out.push(extension(BASIC_CONSTRAINTS, true, sequence(boolean(true))));
  } else {
    // digitalSignature and keyEncipherment: bits 0 and 2.
    out.push(extension(KEY_USAGE, true, bitString(Buffer.from([0xa0]), 5)));
    out.push(extension(BASIC_CONSTRAINTS, true, sequence()));
    const usages = spec.usages ?? ['serverAuth'];
    if (usages.length > 0) out.push(extension(EXT_KEY_USAGE, false, sequence(...usages.map((u) => oid(USAGE_OIDS[u])))));
  }
  const hosts = spec.hosts ?? [];
  if (hosts.length > 0) out.push(extension(SUBJECT_ALT_NAME, false, sequence(...hosts.map(generalName))));
  return out;
}

/** dNSName [2] or iPAddress [7], both implicitly tagged. */
function generalName(host: string): Buffer {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) return tlv(0x87, Buffer.from(bare.split('.').map(Number)));
  if (isIPv6(bare)) return tlv(0x87, ipv6Bytes(bare));
  return tlv(0x82, Buffer.from(bare, 'ascii'));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = address.includes('::') ? groups(tail) : [];
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}
