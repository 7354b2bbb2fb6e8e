// ZooKeeper's numeric constants on the wire (ZooDefs.OpCode, the client's special xids, CreateMode,
// Watcher.Event, AddWatchMode, WatcherType and ZooDefs.Perms).

export const OP_CODE = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

export type OpName = keyof typeof OP_CODE;
export type OpCode = (typeof OP_CODE)[OpName];

const OP_NAMES: ReadonlyMap<number, OpName> = new Map(Object.entries(OP_CODE).map(([name, code]) => [code, name as OpName]));

/** The op's name for a code, or undefined for a code ZooKeeper does not define. */
export function opName(code: number): OpName | undefined {
  return OP_NAMES.get(code);
}

/**
 * The xids the client and server reserve; ordinary requests count up from 1. ZooKeeper 3.8's own
 * client sends SetWatches on an ordinary xid, others on -8: a reply always echoes the request's.
 */
export const XID = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** CreateMode's flags as a create request carries them. */
export const CREATE_MODE = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
} as const;

/** Watcher.Event.EventType. */
export const EVENT_TYPE = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
  dataWatchRemoved: 5,
  childWatchRemoved: 6,
  persistentWatchRemoved: 7,
} as const;

/** Watcher.Event.KeeperState; the server only ever sends syncConnected in a WatcherEvent. */
export const KEEPER_STATE = {
  unknown: -1,
  disconnected: 0,
  noSyncConnected: 1,
  syncConnected: 3,
  authFailed: 4,
  connectedReadOnly: 5,
  saslAuthenticated: 6,
  expired: -112,
  closed: 7,
} as const;

/** AddWatchMode. */
export const ADD_WATCH_MODE = {
  persistent: 0,
  persistentRecursive: 1,
} as const;

/** Watcher.WatcherType, as removeWatches and checkWatches carry it. */
export const WATCHER_TYPE = {
  children: 1,
  data: 2,
  any: 3,
} as const;

/** ZooDefs.Perms: the bits of an ACL entry's perms. */
export const PERMS = {
  read: 1,
  write: 2,
  create: 4,
  delete: 8,
  admin: 16,
  all: 31,
} as const;
