// etcd's --auto-tls and --peer-auto-tls: a self-signed certificate for the listen URLs' hosts,
// written at start into <data-dir>/fixtures/client (or /peer) as cert.pem and key.pem, and reused
// when it is already there. For development: nobody can verify such a certificate, so clients
// skip verification (etcdctl --insecure-skip-tls-verify) and members dial each other without it.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { makeCertificate } from './x509-cert.js';

/** etcd's: one year. */
const VALID_DAYS = 365;

export interface CertKeyFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export async function selfSignedFixture(
  dir: string,
  listenUrls: readonly string[],
  usages: readonly ('serverAuth' | 'clientAuth')[],
  logger: Logger,
): Promise<CertKeyFiles> {
  const files = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  if ((await exists(files.certFile)) && (await exists(files.keyFile))) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hosts = [...new Set(listenUrls.map((u) => new URL(u).hostname))];
  const made = makeCertificate({ organization: 'lodestone', hosts, usages, validDays: VALID_DAYS });
  await writeFile(files.certFile, made.cert, { mode: 0o644 });
  await writeFile(files.keyFile, made.key, { mode: 0o600 });
  logger.info({ cert: files.certFile, hosts }, 'created a self-signed certificate (auto TLS)');
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
