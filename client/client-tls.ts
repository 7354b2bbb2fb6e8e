// TLS for a remote client: the CA that signs the members' certificates and, for clusters that
// require client certificates (--client-cert-auth), this client's own. As etcd's Go client does,
// an https:// endpoint always uses TLS (the system's roots when no CA is given), an http:// one
// never does, and a bare host:port uses TLS when `tls` is given.
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { ClientError } from './errors.js';

/** PEM text or its bytes. */
export type Pem = string | Uint8Array;

export interface ClientTlsOptions {
  /** CA certificate(s) the members' certificates chain to; the system's roots when absent. */
  readonly ca?: Pem;
  /** This client's certificate, for clusters that require one; with `key`. */
  readonly cert?: Pem;
  readonly key?: Pem;
}

const INSECURE = credentials.createInsecure();

/** Builds the credentials once; `forScheme` picks them per endpoint. */
export class ClientTls {
  private readonly secure: ChannelCredentials | undefined;

  constructor(private readonly options: ClientTlsOptions | undefined) {
    if (options && (options.cert === undefined) !== (options.key === undefined)) {
      throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'tls.cert and tls.key must be given together');
    }
    this.secure = options ? credentials.createSsl(buffer(options.ca), buffer(options.key), buffer(options.cert)) : undefined;
  }

  /** Whether an endpoint whose URL had `scheme` ('' for a bare host:port) is reached over TLS. */
  usesTls(scheme: 'http' | 'https' | ''): boolean {
    return scheme === 'https' || (scheme === '' && this.options !== undefined);
  }

  /** The credentials for an endpoint whose URL had `scheme` ('' for a bare host:port). */
  forScheme(scheme: 'http' | 'https' | ''): ChannelCredentials {
    if (!this.usesTls(scheme)) return INSECURE;
    return this.secure ?? credentials.createSsl();
  }

  /** The same CA and certificate for an HTTPS request (node:https's options); undefined: the system's roots. */
  get httpsOptions(): { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer } | undefined {
    if (!this.options) return undefined;
    const ca = buffer(this.options.ca);
    const cert = buffer(this.options.cert);
    const key = buffer(this.options.key);
    return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  }
}

function buffer(pem: Pem | undefined): Buffer | null {
  if (pem === undefined) return null;
  return typeof pem === 'string' ? Buffer.from(pem, 'utf8') : Buffer.from(pem);
}
