// Errors of TLS set-up: a certificate, key, CA or CRL file that cannot be read or used, or settings
// (cipher suites, versions) that cannot work together. They are start-up errors: a member refuses
// to start rather than serve with less security than it was told to.

export type TlsErrorCode = 'LODESTONE_TLS_CONFIG' | 'LODESTONE_TLS_FILES';

export class TlsError extends Error {
  constructor(
    readonly code: TlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TlsError';
  }
}
