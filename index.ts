// The package's public API: `import { openNode, connect, register, discover, config } from 'lodestone'`.

// Embedded nodes and remote clients: one interface, KvClient.
export { openNode, LodestoneNode } from './client/open-node.js';
export type { NodeOptions, NodeStorage, NodeTls, NodeTuning } from './client/node-options.js';
export { connect, type ConnectOptions } from './client/connect.js';
export type { Credentials } from './client/auth-session.js';
export { Client, type ClientOptions } from './client/client.js';
export { ClientAuth, type AuthStatus, type PermissionType, type RolePermission } from './client/client-auth.js';
export type { ClientTlsOptions, Pem } from './client/client-tls.js';
export type { AuthTokenOptions } from './cluster/auth-token-options.js';
export type { KvClient, Lease, Watch } from './client/kv-client.js';
export { KeyValue } from './client/key-value.js';
export { Op, TxnBuilder, TxnOp, type CompareOperator, type TxnOpResult, type TxnResult } from './client/txn-builder.js';
export type {
  Bytes,
  DeleteOptions,
  DeleteResult,
  GrantOptions,
  KeyRange,
  KeySelector,
  LeaseEnd,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  RangeShape,
  ReadOptions,
  SortOrder,
  SortTarget,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './client/types.js';

// Service registry and live configuration, on a key layout any etcd client can use.
export {
  register,
  discover,
  readDependencies,
  Discovery,
  InvalidInstanceError,
  type CheckInput,
  type DependencyEdge,
  type DiscoveredCheck,
  type DiscoverOptions,
  type EphemeralRegistration,
  type InstanceFields,
  type RegisterOptions,
  type Registration,
  type ReportOutcome,
  type ServiceChange,
  type ServiceInstance,
  type Staleness,
} from './client/registry.js';
export type { CheckDefinition, CheckKind, ConsumerRecord, HealthStatus, InstanceRecord, InstanceWeights } from './registry/layout.js';
export { config, Config, type ConfigChange, type ConfigOptions } from './client/config.js';
// The config center's namespaces, as a running program follows them (also client.subscribeConfig() and client.config()).
export { subscribeConfig, type ConfigSnapshot, type ConfigSubscription, type ConfigSubscriptionOptions } from './client/config-center/subscription.js';
export { configView, type ConfigValues, type ConfigView } from './client/config-center/config-view.js';
export { CONFIG_PREFIX, SERVICES_PREFIX, configKey, configPrefix, serviceKey, servicePrefix } from './client/key-layout.js';

// The config center's admin API (client.configCenter): releases, history, schemas, gray release.
export { ConfigCenterAdmin } from './client/config-center/admin-client.js';
export { ConfigCenterError, isConfigCenterError, type ConfigErrorCode, type SchemaViolation } from './client/config-center/config-error.js';
export type {
  DiffChange,
  DiffView,
  GrayOptions,
  GrayStarted,
  InstanceStatus,
  ItemsView,
  NamespaceSummary,
  NamespaceView,
  PublishOptions,
  PublishResult,
  ReleaseRef,
  ReleaseSummary,
  SchemaOptions,
  SchemaView,
  StatusView,
  ValidationView,
} from './client/config-center/admin-types.js';
export type {
  AppliedRecord,
  ConfigItem,
  ConfigItems,
  GrayEndedRecord,
  GrayRecord,
  GraySelector,
  ItemFormat,
  ReleaseKind,
  ReleaseRecord,
  SchemaRecord,
} from './configcenter/layout.js';

// Errors: etcd's (what a member answers) and the client's own.
export { ClientError, WatchCompactedError, isClientError, type ClientErrorCode } from './client/errors.js';
export { EtcdError, isEtcdError, type EtcdErrorCode } from './rpc/etcd-errors.js';

// The member itself, for programs that manage one directly.
export { Member } from './cluster/member.js';
export type { MemberOptions } from './cluster/member-options.js';
