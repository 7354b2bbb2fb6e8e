// KeeperException.Code: the err of a ReplyHeader or of a multi result, with the names ZooKeeper
// gives them, and the typed error the server raises to answer a request with one.

export const ERROR_CODE = {
  Ok: 0,
  SystemError: -1,
  RuntimeInconsistency: -2,
  DataInconsistency: -3,
  ConnectionLoss: -4,
  MarshallingError: -5,
  Unimplemented: -6,
  OperationTimeout: -7,
  BadArguments: -8,
  UnknownSession: -12,
  NewConfigNoQuorum: -13,
  ReconfigInProgress: -14,
  APIError: -100,
  NoNode: -101,
  NoAuth: -102,
  BadVersion: -103,
  NoChildrenForEphemerals: -108,
  NodeExists: -110,
  NotEmpty: -111,
  SessionExpired: -112,
  InvalidCallback: -113,
  InvalidACL: -114,
  AuthFailed: -115,
  SessionMoved: -118,
  NotReadOnly: -119,
  EphemeralOnLocalSession: -120,
  NoWatcher: -121,
  RequestTimeout: -122,
  ReconfigDisabled: -123,
  SessionClosedRequireSaslAuth: -124,
  QuotaExceeded: -125,
  ThrottledOp: -127,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODE;

const NAMES: ReadonlyMap<number, ErrorCodeName> = new Map(Object.entries(ERROR_CODE).map(([name, code]) => [code, name as ErrorCodeName]));

/** The name of a code, or `Unknown(<code>)` for one ZooKeeper does not define. */
export function errorCodeName(code: number): string {
  return NAMES.get(code) ?? `Unknown(${code})`;
}

/** A request's failure with the KeeperException code the client gets in its reply header. */
export class ZooKeeperError extends Error {
  override readonly name = 'ZooKeeperError';
  readonly codeName: string;

  constructor(
    readonly code: number,
    message?: string,
  ) {
    const codeName = errorCodeName(code);
    super(message === undefined ? codeName : `${codeName}: ${message}`);
    this.codeName = codeName;
  }

  static of(name: ErrorCodeName, message?: string): ZooKeeperError {
    return new ZooKeeperError(ERROR_CODE[name], message);
  }
}
