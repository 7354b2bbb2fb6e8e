// The znode tree's refusals: ZooKeeper's error codes (KeeperException.Code, the Jute layer's table),
// with the path they are about. The server puts `code` as is in the reply header's err field.
import { ERROR_CODE, type ErrorCodeName } from '../jute/index.js';

/** A ZooKeeper error: `code` is ZooKeeper's number (e.g. -101), `codeName` its name (NoNode). */
export class ZkTreeError extends Error {
  readonly code: number;
  readonly codeName: ErrorCodeName;
  /** The path the error is about, when there is one (ZooKeeper's KeeperException.getPath()). */
  readonly path: string | undefined;
  /** The revision at which the cluster's state refused the request, when known (a reply header's zxid). */
  zxid: bigint | undefined;

  constructor(codeName: ErrorCodeName, path?: string, options?: ErrorOptions) {
    super(path === undefined ? codeName : `${codeName} for ${path}`, options);
    this.name = 'ZkTreeError';
    this.codeName = codeName;
    this.code = ERROR_CODE[codeName];
    this.path = path;
  }
}

export function isZkTreeError(error: unknown, codeName?: ErrorCodeName): error is ZkTreeError {
  return error instanceof ZkTreeError && (codeName === undefined || error.codeName === codeName);
}
