// Certificates for the TLS tests, made with the openssl command in a temporary folder: certificate
// authorities, and certificates they sign for servers, peers and clients (EC P-256; SANs for
// 127.0.0.1 and localhost unless told otherwise). Tests that use it check for openssl first
// (checkBinaries(['openssl'], …)).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary } from './binaries.js';

const run = promisify(execFile);

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface CaFiles extends CertFiles {
  readonly name: string;
}

export interface IssueOptions {
  /** Subject CN (the name by default). */
  readonly cn?: string;
  /** The whole subject in openssl's "/K=V/K=V" form, when it is not one CN (none, or several); overrides `cn`. */
  readonly subject?: string;
  /** subjectAltName entries; IP:127.0.0.1 and DNS:localhost by default. */
  readonly sans?: readonly string[];
  /** extendedKeyUsage; serverAuth and clientAuth by default (a member's certificate is both). */
  readonly usages?: readonly ('serverAuth' | 'clientAuth')[];
}

export class TestPki {
  private constructor(readonly dir: string) {}

  static async create(prefix = 'lodestone-tls-'): Promise<TestPki> {
    if (findBinary('openssl') === undefined) throw new Error('openssl is not on PATH (Debian package openssl)');
    return new TestPki(await mkdtemp(join(tmpdir(), prefix)));
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** A self-signed certificate authority. */
  async ca(name: string): Promise<CaFiles> {
    const files = { name, cert: this.path(`${name}.pem`), key: this.path(`${name}-key.pem`) };
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${name}`]);
    return files;
  }

  /** A certificate for `name`, signed by `ca`. */
  async issue(ca: CaFiles, name: string, options: IssueOptions = {}): Promise<CertFiles> {
    const files = { cert: this.path(`${name}.pem`), key: this.path(`${name}-key.pem`) };
    const csr = this.path(`${name}.csr`);
    const ext = this.path(`${name}.ext`);
    const sans = options.sans ?? ['IP:127.0.0.1', 'DNS:localhost'];
    const usages = options.usages ?? ['serverAuth', 'clientAuth'];
    await writeFile(
      ext,
      [
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
        `extendedKeyUsage=${usages.join(',')}`,
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,keyEncipherment',
        '',
      ].join('\n'),
    );
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', csr, '-subj', options.subject ?? `/CN=${options.cn ?? name}`]);
    await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', files.cert, '-days', '2', '-extfile', ext]);
    return files;
  }

  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function openssl(args: readonly string[]): Promise<void> {
  await run(findBinary('openssl') ?? 'openssl', [...args]);
}
