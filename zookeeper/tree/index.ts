// The znode tree's public API, for the ZooKeeper protocol server.
export { ZNodeTree } from './znode-tree.js';
export { ZNodeReaper, type ZNodeReaperOptions } from './znode-reaper.js';
export { ZkTreeError, ZK_ERRORS, isZkTreeError, type ZkErrorName } from './errors.js';
export { digestAuthId } from './acl.js';
export { MAX_DATA_BYTES } from './write-plan.js';
export { CONTAINER_EPHEMERAL_OWNER, MAX_TTL_MS } from './create-mode.js';
export { PERMS, type CreateMode, type MultiOp, type MultiResult, type ZAcl, type ZkCaller, type ZStat } from './types.js';
