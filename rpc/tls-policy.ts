// etcd's --cipher-suites and --tls-min-version, in the terms Node's TLS takes. etcd names cipher
// suites as Go does (IANA names); OpenSSL knows the same suites by its own names. Like etcd (Go),
// the list restricts TLS 1.2 only: TLS 1.3's suites are not configurable there, so they stay
// enabled here too.
import { TlsError } from './tls-errors.js';

export type TlsVersionName = 'TLS1.2' | 'TLS1.3';

export const TLS_VERSION_NAMES: readonly TlsVersionName[] = ['TLS1.2', 'TLS1.3'];

/** What each etcd version name means to Node. */
const NODE_VERSIONS: Readonly<Record<TlsVersionName, 'TLSv1.2' | 'TLSv1.3'>> = { 'TLS1.2': 'TLSv1.2', 'TLS1.3': 'TLSv1.3' };

/** The suites Go accepts by name for TLS 1.2 and below, and OpenSSL's name for each. */
const SUITES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** HTTP/2 (RFC 7540 §9.2.2) needs one of these; etcd refuses to serve a list without any. */
const HTTP2_REQUIRED = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];

/** TLS 1.3's suites, which a cipher list must name or Node would turn TLS 1.3 off. */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

export interface TlsPolicy {
  /** etcd's names (IANA's); empty: Node's defaults. */
  readonly cipherSuites: readonly string[];
  readonly minVersion: TlsVersionName;
}

export const DEFAULT_TLS_POLICY: TlsPolicy = Object.freeze({ cipherSuites: [], minVersion: 'TLS1.2' });

export function isTlsVersionName(s: string): s is TlsVersionName {
  return (TLS_VERSION_NAMES as readonly string[]).includes(s);
}

/** Throws when etcd would refuse the combination at start. */
export function checkTlsPolicy(policy: TlsPolicy): void {
  if (!isTlsVersionName(policy.minVersion)) {
    throw new TlsError('LODESTONE_TLS_CONFIG', `unexpected TLS version "${String(policy.minVersion)}" (must be one of: ${TLS_VERSION_NAMES.join(', ')})`);
  }
  if (policy.cipherSuites.length === 0) return;
  for (const name of policy.cipherSuites) {
    if (SUITES[name] === undefined) throw new TlsError('LODESTONE_TLS_CONFIG', `unexpected TLS cipher suite "${name}"`);
  }
  if (policy.minVersion === 'TLS1.3') throw new TlsError('LODESTONE_TLS_CONFIG', 'cipher suites cannot be configured when only TLS1.3 is enabled');
  if (!policy.cipherSuites.some((s) => HTTP2_REQUIRED.includes(s))) {
    throw new TlsError(
      'LODESTONE_TLS_CONFIG',
      `--cipher-suites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher (need at least one of ${HTTP2_REQUIRED.join(' or ')})`,
    );
  }
}

/** The options of tls.createSecureContext (and tls.Server) that carry a policy. */
export function nodeTlsPolicy(policy: TlsPolicy): { minVersion: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string } {
  checkTlsPolicy(policy);
  const minVersion = NODE_VERSIONS[policy.minVersion];
  if (policy.cipherSuites.length === 0) return { minVersion };
  return { minVersion, ciphers: [TLS13_SUITES, ...policy.cipherSuites.map((s) => SUITES[s]!)].join(':') };
}
