// A throwaway certificate authority and the certificates it signs for a mutual-TLS cluster on
// loopback, made in pure Node (cluster/x509-cert.ts) in a temporary folder: one member certificate
// (server and client use, for 127.0.0.1 and localhost) that every member presents to clients and to
// peers, and one client certificate for the clients. The member flags are etcd's, so that etcd and
// Lodestone are started the same way; the fault runs and the cluster benchmark use it.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { makeCertificate, type IssuedCertificate } from '../../cluster/x509-cert.js';

export interface PemFiles {
  readonly cert: string;
  readonly key: string;
}

export class ThrowawayMtls {
  private constructor(
    readonly dir: string,
    readonly caFile: string,
    readonly member: PemFiles,
    readonly client: PemFiles,
  ) {}

  static async create(prefix = 'lodestone-mtls-'): Promise<ThrowawayMtls> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const ca = makeCertificate({ organization: 'lodestone', commonName: 'throwaway CA', isCa: true, validDays: 2 });
    const member = makeCertificate({
      organization: 'lodestone',
      commonName: 'member',
      hosts: ['127.0.0.1', 'localhost'],
      usages: ['serverAuth', 'clientAuth'],
      validDays: 2,
      issuer: ca,
    });
    const client = makeCertificate({ organization: 'lodestone', commonName: 'client', usages: ['clientAuth'], validDays: 2, issuer: ca });
    const write = async (name: string, made: IssuedCertificate): Promise<PemFiles> => {
      const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
      await writeFile(files.cert, made.cert, { mode: 0o644 });
      await writeFile(files.key, made.key, { mode: 0o600 });
      return files;
    };
    const caFiles = await write('ca', ca);
    return new ThrowawayMtls(dir, caFiles.cert, await write('member', member), await write('client', client));
  }

  /**
   * etcd's flags for a member with https client and peer URLs that asks both its clients and its
   * peers for a certificate from the CA.
   */
  memberFlags(): string[] {
    return [
      '--cert-file', this.member.cert, '--key-file', this.member.key,
      '--trusted-ca-file', this.caFile, '--client-cert-auth',
      '--peer-cert-file', this.member.cert, '--peer-key-file', this.member.key,
      '--peer-trusted-ca-file', this.caFile, '--peer-client-cert-auth',
    ];
  }

  /** What a client dials the members with: the CA to check them by, and the client certificate. */
  clientCredentials(): ChannelCredentials {
    return credentials.createSsl(readFileSync(this.caFile), readFileSync(this.client.key), readFileSync(this.client.cert));
  }

  /** etcdctl's flags for the same. */
  etcdctlFlags(): string[] {
    return ['--cacert', this.caFile, '--cert', this.client.cert, '--key', this.client.key];
  }

  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
