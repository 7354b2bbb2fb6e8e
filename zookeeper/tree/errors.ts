// ZooKeeper's error codes (KeeperException.Code) that the znode tree answers with. The server puts
// `code` as is in the reply header's err field, so the numbers are ZooKeeper's own.

export const ZK_ERRORS = {
  OK: 0,
  SYSTEM_ERROR: -1,
  RUNTIME_INCONSISTENCY: -2,
  BAD_ARGUMENTS: -8,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  SESSION_EXPIRED: -112,
  INVALID_ACL: -114,
} as const;

export type ZkErrorName = keyof typeof ZK_ERRORS;
export type ZkErrorCode = (typeof ZK_ERRORS)[ZkErrorName];

/** A ZooKeeper error: `code` is ZooKeeper's number (e.g. -101), `name` of the code is in `codeName`. */
export class ZkTreeError extends Error {
  readonly code: number;
  readonly codeName: ZkErrorName;
  /** The path the error is about, when there is one (ZooKeeper's KeeperException.getPath()). */
  readonly path: string | undefined;
  /** The revision at which the cluster's state refused the request, when known (a reply header's zxid). */
  zxid: bigint | undefined;

  constructor(codeName: ZkErrorName, path?: string, options?: ErrorOptions) {
    super(path === undefined ? codeName : `${codeName} for ${path}`, options);
    this.name = 'ZkTreeError';
    this.codeName = codeName;
    this.code = ZK_ERRORS[codeName];
    this.path = path;
  }
}

export function isZkTreeError(error: unknown, codeName?: ZkErrorName): error is ZkTreeError {
  return error instanceof ZkTreeError && (codeName === undefined || error.codeName === codeName);
}
