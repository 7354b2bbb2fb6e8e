// Where the ZooKeeper protocol keeps its znode tree, so that any etcd client can read it too:
//
//   /lodestone/zk/data<path>              the znode's data (raw bytes). The key's own fields give the
//                                         znode's: create revision = czxid, mod revision = mzxid,
//                                         version - 1 = version, lease = ephemeralOwner (the session)
//   /lodestone/zk/meta<path>              JSON ZNodeMeta: times, ACL, aversion, kind (persistent,
//                                         ephemeral, container, ttl)
//   /lodestone/zk/cversion<path>          put when the znode is created and again on each child created
//                                         or deleted; mod revision = pzxid. version - 1 + N, N being the
//                                         value as a decimal number (empty = 0), is ZooKeeper's stored
//                                         cversion: the number of children ever created. Sequential names
//                                         come from it; a Stat's cversion is 2 × it - numChildren, as
//                                         ZooKeeper's DataNode.copyStat reports it. N cancels the version
//                                         step of a child delete, and counts a multi's several child
//                                         creates (etcd lets a txn put a key only once)
//   /lodestone/zk/children<parent>//<name> empty; one per child, so a parent's children are one range
//                                         (the root's: /lodestone/zk/children//<name>)
//
// An ephemeral znode's four keys are all on its session's lease (a session is a lease), so they vanish
// together when the session closes or expires, on every member. "//" never occurs in a ZooKeeper path,
// so a parent's children range holds its children only, not their descendants.
import { prefixEnd } from '../store/mvcc/key-bytes.js';

export const ZK_PREFIX = '/lodestone/zk/';
export const ZK_DATA_PREFIX = '/lodestone/zk/data';
export const ZK_META_PREFIX = '/lodestone/zk/meta';
export const ZK_CVERSION_PREFIX = '/lodestone/zk/cversion';
export const ZK_CHILDREN_PREFIX = '/lodestone/zk/children';

export type ZNodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

/** One ACL entry as ZooKeeper gives it: perms is the bit set READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16. */
export interface ZNodeAclEntry {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

/** The value of a znode's meta key. Times are milliseconds since the epoch, as ZooKeeper's ctime/mtime. */
export interface ZNodeMeta {
  readonly ctime: number;
  readonly mtime: number;
  readonly aversion: number;
  readonly acl: readonly ZNodeAclEntry[];
  readonly kind: ZNodeKind;
  /** kind ttl: milliseconds without a change (and without children) after which the znode is removed. */
  readonly ttlMs?: number;
  /**
   * Added to the data key's version - 1 to give the znode's version; absent = 0. Not 0 only after one
   * multi changed the znode's data more than once or deleted and created it again: etcd lets a txn
   * put a key only once.
   */
  readonly versionOffset?: number;
  /**
   * The znode's czxid when it is not the data key's create revision: after one multi deleted the
   * znode and created it again, the data key was put over, not created. -1: the revision that wrote
   * this meta key (the multi's); a later write of the meta key stores the number itself.
   */
  readonly czxid?: number;
}

const encoder = new TextEncoder();

/** The root is "/"; every other path is "/a/b" with no trailing slash. */
function pathPart(path: string): string {
  return path === '/' ? '' : path;
}

export function dataKey(path: string): Uint8Array {
  return encoder.encode(ZK_DATA_PREFIX + path);
}

export function metaKey(path: string): Uint8Array {
  return encoder.encode(ZK_META_PREFIX + path);
}

export function cversionKey(path: string): Uint8Array {
  return encoder.encode(ZK_CVERSION_PREFIX + path);
}

export function childKey(parent: string, name: string): Uint8Array {
  return encoder.encode(`${ZK_CHILDREN_PREFIX}${pathPart(parent)}//${name}`);
}

/** The range [key, rangeEnd) holding exactly the children keys of `parent`. */
export function childrenRange(parent: string): { readonly key: Uint8Array; readonly rangeEnd: Uint8Array } {
  const key = encoder.encode(`${ZK_CHILDREN_PREFIX}${pathPart(parent)}//`);
  return { key, rangeEnd: prefixEnd(key) };
}

/** The range holding the whole znode tree (every key above). */
export function zkRange(): { readonly key: Uint8Array; readonly rangeEnd: Uint8Array } {
  const key = encoder.encode(ZK_PREFIX);
  return { key, rangeEnd: prefixEnd(key) };
}
