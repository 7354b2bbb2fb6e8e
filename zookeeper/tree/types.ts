// The znode tree's API types, named as in ZooKeeper's Jute records so the server maps them field by field.

/** ZooKeeper's Stat: the same field names and types as Jute's (longs as bigint, ints as number). */
export interface ZStat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export interface ZAcl {
  perms: number;
  scheme: string;
  id: string;
}

/** Who asks: the session (its lease) and the ids it authenticated as. */
export interface ZkCaller {
  /** The session's lease; 0n for none. */
  sessionId: bigint;
  /**
   * The ids the session proved, as ZooKeeper's auth providers give them: for digest,
   * `user:base64(sha1("user:password"))` (see digestAuthId), for ip the client's address.
   */
  authIds: readonly { scheme: string; id: string }[];
}

export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistent_sequential'
  | 'ephemeral_sequential'
  | 'container'
  | 'persistent_with_ttl'
  | 'persistent_sequential_with_ttl';

export type MultiOp =
  | { op: 'create'; path: string; data: Uint8Array; acl: readonly ZAcl[]; mode: CreateMode; ttlMs?: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Uint8Array; version: number }
  | { op: 'check'; path: string; version: number };

export type MultiResult =
  | { op: 'create'; path: string; stat: ZStat }
  | { op: 'delete' }
  | { op: 'setData'; stat: ZStat }
  | { op: 'check' }
  | { op: 'error'; code: number };


/** ACL permission bits (ZooDefs.Perms), the Jute layer's table. */
export { PERMS } from '../jute/index.js';
