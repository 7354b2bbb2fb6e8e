// The certificates of `npm run cluster -- --tls`, made with node:crypto (no openssl needed) in
// <data-dir>/tls: a throwaway CA, one certificate per member for both its client and peer URLs
// (server and client usage: a member dials its peers and the leader's client URL with it), and a
// client certificate for the user (etcdctl --cert). They are kept across runs and made again —
// all of them, with a new CA — when one is missing, expires within a day or does not name a host.
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { makeCertificate } from './x509-cert.js';

/** Long enough not to get in the way of a development cluster, short for a throwaway CA. */
const VALID_DAYS = 365;
const RENEW_WITHIN_MS = 24 * 60 * 60 * 1000;

export interface CertKeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface LocalClusterTls {
  readonly dir: string;
  /** The CA every certificate chains to (--trusted-ca-file, --peer-trusted-ca-file, etcdctl --cacert). */
  readonly ca: string;
  /** Each member's certificate by name. */
  readonly members: Readonly<Record<string, CertKeyPair>>;
  /** The user's (etcdctl --cert, --key). */
  readonly client: CertKeyPair;
  /** Whether the certificates were made now (false: an earlier run's were reused). */
  readonly made: boolean;
}

/** The file names under `dir`: ca.pem, <member>.pem and <member>-key.pem, client.pem and client-key.pem. */
function layout(dir: string, names: readonly string[]): { readonly files: Omit<LocalClusterTls, 'made'>; readonly caKey: string } {
  const pair = (n: string): CertKeyPair => ({ cert: join(dir, `${n}.pem`), key: join(dir, `${n}-key.pem`) });
  return {
    files: { dir, ca: join(dir, 'ca.pem'), members: Object.fromEntries(names.map((n) => [n, pair(n)])), client: pair('client') },
    caKey: join(dir, 'ca-key.pem'),
  };
}

/**
 * The certificates for members `names` reachable at `hosts` (127.0.0.1 and localhost are always
 * among them), reused from `dir` when they are all there and still good.
 */
export async function localClusterTls(dir: string, names: readonly string[], hosts: readonly string[]): Promise<LocalClusterTls> {
  const { files, caKey } = layout(dir, names);
  const sans = [...new Set(['127.0.0.1', 'localhost', ...hosts])];
  if (await stillGood(files, caKey, sans)) return { ...files, made: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = makeCertificate({ organization: 'lodestone', commonName: 'lodestone local-cluster CA', isCa: true, validDays: VALID_DAYS });
  await write({ cert: files.ca, key: caKey }, ca);
  for (const name of names) {
    const cert = makeCertificate({ organization: 'lodestone', commonName: name, hosts: sans, usages: ['serverAuth', 'clientAuth'], validDays: VALID_DAYS, issuer: ca });
    await write(files.members[name]!, cert);
  }
  await write(files.client, makeCertificate({ organization: 'lodestone', commonName: 'client', usages: ['clientAuth'], validDays: VALID_DAYS, issuer: ca }));
  return { ...files, made: true };
}

async function write(to: CertKeyPair, made: { readonly cert: string; readonly key: string }): Promise<void> {
  await writeFile(to.key, made.key, { mode: 0o600 });
  await writeFile(to.cert, made.cert, { mode: 0o644 });
}

/** Every file there, each certificate signed by the CA and not about to expire, the members' naming every host. */
async function stillGood(files: Omit<LocalClusterTls, 'made'>, caKey: string, sans: readonly string[]): Promise<boolean> {
  try {
    const ca = await load(files.ca);
    await readFile(caKey);
    if (expiresSoon(ca)) return false;
    for (const [name, p] of [...Object.entries(files.members), ['', files.client] as const]) {
      await readFile(p.key);
      const cert = await load(p.cert);
      if (!cert.verify(ca.publicKey) || expiresSoon(cert)) return false;
      if (name !== '' && !sans.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function load(path: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(path));
}

function expiresSoon(cert: X509Certificate): boolean {
  return new Date(cert.validTo).getTime() - Date.now() < RENEW_WITHIN_MS;
}
