// The config center's front door: what the member, the HTTP API and the tools use of it.
export { ConfigCenter, type Actor, type ConfigKv } from './config-center.js';
export { ConfigError, isConfigError, type ConfigErrorCode, type SchemaViolation } from './errors.js';
export { GrayGuard, GUARD_AUTHOR, type GrayGuardPort } from './gray-guard.js';
export { releaseFor, grayMatches, grayBucket } from './gray-selection.js';
export type { ItemChange } from './diff.js';
export type { NamespaceStatus, InstanceStatus } from './status.js';
export type { NamespaceSummary, NamespaceView } from './namespaces.js';
export type { ReleaseSummary, ItemsRef, PublishResult } from './releases.js';
export type { SchemaAnswer } from './schema.js';
export type { ValidationAnswer } from './validate.js';
export * from './layout.js';
