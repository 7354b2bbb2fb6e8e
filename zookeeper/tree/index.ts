// The znode tree's public API, for the ZooKeeper protocol server. One ZNodeTree per member (any
// number may share a member); call ensureRoot() once before serving. What the server must know:
// - A refusal is a ZkTreeError: `code` goes in the reply header's err, `zxid` (when set) is the
//   revision the refusal was decided at. Any other rejection comes from the member (no leader,
//   timeouts: etcd's errors) and is a connection-level failure, not a ZooKeeper error code.
// - ZkCaller.authIds are ids as proven: for addauth digest "user:password" pass
//   { scheme: 'digest', id: digestAuthId('user:password') }; for the client's address { scheme: 'ip', id }.
// - exists() answers a missing znode with stat null (the server turns that into NoNode + a watch).
// - multi() never rejects for a failing op: the results carry the codes (ZooKeeper's multi reply).
// - ZNodeReaper needs isLeader: () => member.raftStatus().role === 'leader'.
export { ZNodeTree } from './znode-tree.js';
export { ZNodeReaper, type ZNodeReaperOptions } from './znode-reaper.js';
export { ZkTreeError, isZkTreeError } from './errors.js';
export { digestAuthId } from './acl.js';
export { parentOf } from './paths.js';
export { MAX_DATA_BYTES } from './write-plan.js';
export { CONTAINER_EPHEMERAL_OWNER, MAX_TTL_MS } from './create-mode.js';
export { PERMS, type CreateMode, type MultiOp, type MultiResult, type ZAcl, type ZkCaller, type ZStat } from './types.js';
