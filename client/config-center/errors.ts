// The config subscription's own errors, with stable codes: the namespace name is wrong, the cluster
// could not be reached (and there was no cache to start from), or an item's value does not parse.
export type ConfigClientErrorCode = 'CONFIG_BAD_REQUEST' | 'CONFIG_UNAVAILABLE' | 'CONFIG_INVALID_VALUE';

export class ConfigClientError extends Error {
  override readonly name = 'ConfigClientError';
  constructor(
    readonly code: ConfigClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
