// What TLS is set with, on either side of a connection: files (re-read when they change) and
// etcd's switches. A server always has a certificate and key; a client may have none (it then
// only checks the server's).
import type { TlsPolicy } from './tls-policy.js';

export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle client certificates must chain to. */
  readonly trustedCaFile?: string;
  /** Certificates revoked by the CA (PEM), checked for every client certificate. */
  readonly crlFile?: string;
  /**
   * Require a client certificate signed by the trusted CA. As in etcd, a trusted CA file alone
   * requires one too (etcd 3.4 asks for a certificate whenever either is set).
   */
  readonly clientCertAuth: boolean;
  /** When set, a client certificate's subject CN must be exactly this (etcd's --peer-cert-allowed-cn). */
  readonly allowedCn?: string;
  readonly policy: TlsPolicy;
}

export interface ClientTls {
  /** The certificate this side presents (the member's own, when it dials another member). */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** CA bundle the server's certificate must chain to; the system's roots when absent. */
  readonly trustedCaFile?: string;
  /** Accept any server certificate (etcd does so toward members with self-signed --auto-tls certificates). */
  readonly insecureSkipVerify: boolean;
  readonly policy: TlsPolicy;
}

/** Whether a server with these settings asks clients for a certificate. */
export function requiresClientCert(tls: ServerTls): boolean {
  return tls.clientCertAuth || (tls.trustedCaFile !== undefined && tls.trustedCaFile !== '');
}
