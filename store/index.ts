// The storage layer's public surface.
export { MemberStore, type MemberStoreOptions } from './member-store.js';
export { RaftLogStore, type RaftPersist } from './raft-log-store.js';
export {
  MvccStore,
  type ApplyItem,
  type ApplyOptions,
  type ApplyOutcome,
  type GuardView,
  type InstalledSnapshot,
  type MvccOptions,
} from './mvcc/mvcc-store.js';
export { StateSnapshot } from './snapshot/state-snapshot.js';
export { WatchHub, type WatchableStore } from './watch/watch-hub.js';
export type { WatchHubOptions, WatchSink, WatchSpec, Watcher } from './watch/types.js';
export type { SnapshotHeader } from './snapshot/stream-format.js';
export { AuthState, ROOT, type AuthInfo, type AuthOp, type AuthRole, type AuthUser, type AuthChange } from './auth/auth-state.js';
export { AuthError, isAuthError, type AuthErrorCode } from './auth/auth-errors.js';
export { AUTH_META_PREFIX, loadAuthState } from './auth/auth-records.js';
export { checkRange, checkTxn, checkWrite, type LeaseKeys } from './auth/request-checks.js';
export { permits, type Access, type Permission, type PermissionType } from './auth/permissions.js';
export { hashPassword, isPasswordHash, verifyPassword } from './auth/password.js';
export { LocalMeta } from './local-meta.js';
export { metaKey, metaCodecs, setMeta, deleteMeta, type MetaKey, type MetaCodec, type MetaWrite } from './meta.js';
export { openStoreDb, type StoreDb } from './db.js';
export * from './errors.js';
export * from './mvcc/types.js';
export { prefixEnd, FROM_KEY } from './mvcc/key-bytes.js';
export { isTxnReadOnly } from './mvcc/apply.js';
export {
  checkWriteRequest,
  checkRangeRequest,
  requestLimits,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_TXN_OPS,
  MAX_LEASE_TTL,
  type RequestLimits,
} from './mvcc/validate.js';
export { raftRequestSize } from './mvcc/request-size.js';
