// The consensus core's public surface.
export * from './types.js';
export * from './messages.js';
export * from './errors.js';
export type { RandomSource } from './random.js';
export type { RaftConfig } from './config.js';
export { MemoryStorage, limitSize, type LogStorage, type InitialState } from './storage.js';
export type { ReadState, Role } from './raft.js';
export { RawNode, type Ready, type SoftState, type Status, type BasicStatus, type PeerStatus } from './raw-node.js';
export type { ProgressState } from './progress.js';
export { bootstrapState, type BootstrapState } from './bootstrap.js';
