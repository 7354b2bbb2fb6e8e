// The TLS a member (or a client) dials with, as grpc-js channel credentials, rebuilt when its files
// change on disk: a connection made after a rotation presents the new certificate. Callers that
// keep a grpc-js client ask again before each new connection and replace the client when the
// credentials they get are not the ones it was made with.
import { createSecureContext, type PeerCertificate } from 'node:tls';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ClientTls } from './tls-config.js';
import { ReloadingTlsFiles } from './tls-files.js';
import { nodeTlsPolicy } from './tls-policy.js';

/** Gives the credentials to dial a URL with: TLS for https, plaintext for http (and for plain host:port). */
export type Dialer = (url: string) => ChannelCredentials;

export class ClientTlsCredentials {
  private readonly files: ReloadingTlsFiles<ChannelCredentials>;

  constructor(tls: ClientTls) {
    const policy = nodeTlsPolicy(tls.policy);
    const verify = tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: (_host: string, _cert: PeerCertificate) => undefined } : {};
    this.files = new ReloadingTlsFiles({ cert: tls.certFile, key: tls.keyFile, ca: tls.trustedCaFile }, (c) =>
      credentials.createFromSecureContext(
        createSecureContext({ ...policy, ...(c.ca ? { ca: c.ca } : {}), ...(c.cert ? { cert: c.cert } : {}), ...(c.key ? { key: c.key } : {}) }),
        verify,
      ),
    );
  }

  /** The credentials for a new connection (the same object until a file changes). */
  current(): ChannelCredentials {
    return this.files.current();
  }
}

const INSECURE = credentials.createInsecure();

/** A Dialer that uses `tls` for https:// URLs. */
export function dialerFor(tls: ClientTlsCredentials | undefined): Dialer {
  return (url) => {
    if (!url.startsWith('https://')) return INSECURE;
    return tls ? tls.current() : credentials.createSsl();
  };
}

/** "https://127.0.0.1:2379" → "127.0.0.1:2379"; a plain "host:port" is returned as it is. */
export function dialAddress(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}
