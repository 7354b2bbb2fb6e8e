// The RPCs of each etcd service with their request and response types and streaming kind, and
// the grpc-js handler and client types derived from them. ETCD_METHOD_KINDS repeats the kinds
// as values so that loading can check these tables against the .proto files.

import type {
  Client,
  CallOptions,
  ClientDuplexStream,
  ClientReadableStream,
  ClientUnaryCall,
  Metadata,
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  requestCallback,
} from '@grpc/grpc-js';
import type * as Auth from './etcd-api-auth-types.js';
import type * as ClusterTypes from './etcd-api-cluster-types.js';
import type { Outgoing } from './etcd-api-common-types.js';
import type * as Concurrency from './etcd-api-concurrency-types.js';
import type * as KV from './etcd-api-kv-types.js';
import type * as LeaseTypes from './etcd-api-lease-types.js';
import type * as MaintenanceTypes from './etcd-api-maintenance-types.js';
import type * as WatchTypes from './etcd-api-watch-types.js';

/** Phantom markers: they exist only as types and tie a request type to a response type. */
export interface Unary<Request, Response> {
  readonly kind: 'unary';
  readonly request: Request;
  readonly response: Response;
}
export interface ServerStreaming<Request, Response> {
  readonly kind: 'server-streaming';
  readonly request: Request;
  readonly response: Response;
}
export interface BidiStreaming<Request, Response> {
  readonly kind: 'bidi-streaming';
  readonly request: Request;
  readonly response: Response;
}
export type MethodKind = 'unary' | 'server-streaming' | 'bidi-streaming';

export interface KVMethods {
  Range: Unary<KV.RangeRequest, KV.RangeResponse>;
  Put: Unary<KV.PutRequest, KV.PutResponse>;
  DeleteRange: Unary<KV.DeleteRangeRequest, KV.DeleteRangeResponse>;
  Txn: Unary<KV.TxnRequest, KV.TxnResponse>;
  Compact: Unary<KV.CompactionRequest, KV.CompactionResponse>;
}

export interface WatchMethods {
  Watch: BidiStreaming<WatchTypes.WatchRequest, WatchTypes.WatchResponse>;
}

export interface LeaseMethods {
  LeaseGrant: Unary<LeaseTypes.LeaseGrantRequest, LeaseTypes.LeaseGrantResponse>;
  LeaseRevoke: Unary<LeaseTypes.LeaseRevokeRequest, LeaseTypes.LeaseRevokeResponse>;
  LeaseKeepAlive: BidiStreaming<LeaseTypes.LeaseKeepAliveRequest, LeaseTypes.LeaseKeepAliveResponse>;
  LeaseTimeToLive: Unary<LeaseTypes.LeaseTimeToLiveRequest, LeaseTypes.LeaseTimeToLiveResponse>;
  LeaseLeases: Unary<LeaseTypes.LeaseLeasesRequest, LeaseTypes.LeaseLeasesResponse>;
}

export interface ClusterMethods {
  MemberAdd: Unary<ClusterTypes.MemberAddRequest, ClusterTypes.MemberAddResponse>;
  MemberRemove: Unary<ClusterTypes.MemberRemoveRequest, ClusterTypes.MemberRemoveResponse>;
  MemberUpdate: Unary<ClusterTypes.MemberUpdateRequest, ClusterTypes.MemberUpdateResponse>;
  MemberList: Unary<ClusterTypes.MemberListRequest, ClusterTypes.MemberListResponse>;
  MemberPromote: Unary<ClusterTypes.MemberPromoteRequest, ClusterTypes.MemberPromoteResponse>;
}

export interface MaintenanceMethods {
  Alarm: Unary<MaintenanceTypes.AlarmRequest, MaintenanceTypes.AlarmResponse>;
  Status: Unary<MaintenanceTypes.StatusRequest, MaintenanceTypes.StatusResponse>;
  Defragment: Unary<MaintenanceTypes.DefragmentRequest, MaintenanceTypes.DefragmentResponse>;
  Hash: Unary<MaintenanceTypes.HashRequest, MaintenanceTypes.HashResponse>;
  HashKV: Unary<MaintenanceTypes.HashKVRequest, MaintenanceTypes.HashKVResponse>;
  Snapshot: ServerStreaming<MaintenanceTypes.SnapshotRequest, MaintenanceTypes.SnapshotResponse>;
  MoveLeader: Unary<MaintenanceTypes.MoveLeaderRequest, MaintenanceTypes.MoveLeaderResponse>;
  Downgrade: Unary<MaintenanceTypes.DowngradeRequest, MaintenanceTypes.DowngradeResponse>;
}

export interface AuthMethods {
  AuthEnable: Unary<Auth.AuthEnableRequest, Auth.AuthEnableResponse>;
  AuthDisable: Unary<Auth.AuthDisableRequest, Auth.AuthDisableResponse>;
  AuthStatus: Unary<Auth.AuthStatusRequest, Auth.AuthStatusResponse>;
  Authenticate: Unary<Auth.AuthenticateRequest, Auth.AuthenticateResponse>;
  UserAdd: Unary<Auth.AuthUserAddRequest, Auth.AuthUserAddResponse>;
  UserGet: Unary<Auth.AuthUserGetRequest, Auth.AuthUserGetResponse>;
  UserList: Unary<Auth.AuthUserListRequest, Auth.AuthUserListResponse>;
  UserDelete: Unary<Auth.AuthUserDeleteRequest, Auth.AuthUserDeleteResponse>;
  UserChangePassword: Unary<Auth.AuthUserChangePasswordRequest, Auth.AuthUserChangePasswordResponse>;
  UserGrantRole: Unary<Auth.AuthUserGrantRoleRequest, Auth.AuthUserGrantRoleResponse>;
  UserRevokeRole: Unary<Auth.AuthUserRevokeRoleRequest, Auth.AuthUserRevokeRoleResponse>;
  RoleAdd: Unary<Auth.AuthRoleAddRequest, Auth.AuthRoleAddResponse>;
  RoleGet: Unary<Auth.AuthRoleGetRequest, Auth.AuthRoleGetResponse>;
  RoleList: Unary<Auth.AuthRoleListRequest, Auth.AuthRoleListResponse>;
  RoleDelete: Unary<Auth.AuthRoleDeleteRequest, Auth.AuthRoleDeleteResponse>;
  RoleGrantPermission: Unary<Auth.AuthRoleGrantPermissionRequest, Auth.AuthRoleGrantPermissionResponse>;
  RoleRevokePermission: Unary<Auth.AuthRoleRevokePermissionRequest, Auth.AuthRoleRevokePermissionResponse>;
}

export interface LockMethods {
  Lock: Unary<Concurrency.LockRequest, Concurrency.LockResponse>;
  Unlock: Unary<Concurrency.UnlockRequest, Concurrency.UnlockResponse>;
}

export interface ElectionMethods {
  Campaign: Unary<Concurrency.CampaignRequest, Concurrency.CampaignResponse>;
  Proclaim: Unary<Concurrency.ProclaimRequest, Concurrency.ProclaimResponse>;
  Leader: Unary<Concurrency.LeaderRequest, Concurrency.LeaderResponse>;
  Observe: ServerStreaming<Concurrency.LeaderRequest, Concurrency.LeaderResponse>;
  Resign: Unary<Concurrency.ResignRequest, Concurrency.ResignResponse>;
}

/** Every etcd service, by its short name. */
export interface EtcdServices {
  KV: KVMethods;
  Watch: WatchMethods;
  Lease: LeaseMethods;
  Cluster: ClusterMethods;
  Maintenance: MaintenanceMethods;
  Auth: AuthMethods;
  Lock: LockMethods;
  Election: ElectionMethods;
}
export type EtcdServiceName = keyof EtcdServices;

type HandlerOf<Method> =
  Method extends Unary<infer Request, infer Response>
    ? handleUnaryCall<Request, Outgoing<Response>>
    : Method extends ServerStreaming<infer Request, infer Response>
      ? handleServerStreamingCall<Request, Outgoing<Response>>
      : Method extends BidiStreaming<infer Request, infer Response>
        ? handleBidiStreamingCall<Request, Outgoing<Response>>
        : never;

/** The implementation a grpc-js server needs for one service: one handler per RPC. */
export type ServiceHandlers<Name extends EtcdServiceName> = {
  [Method in keyof EtcdServices[Name]]: HandlerOf<EtcdServices[Name][Method]>;
};

interface UnaryClientMethod<Request, Response> {
  (request: Request, callback: requestCallback<Response>): ClientUnaryCall;
  (request: Request, metadata: Metadata, callback: requestCallback<Response>): ClientUnaryCall;
  (
    request: Request,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: requestCallback<Response>,
  ): ClientUnaryCall;
}

type ServerStreamingClientMethod<Request, Response> = (
  request: Request,
  metadata?: Metadata,
  options?: Partial<CallOptions>,
) => ClientReadableStream<Response>;

type BidiStreamingClientMethod<Request, Response> = (
  metadata?: Metadata,
  options?: Partial<CallOptions>,
) => ClientDuplexStream<Request, Response>;

type ClientMethodOf<Method> =
  Method extends Unary<infer Request, infer Response>
    ? UnaryClientMethod<Outgoing<Request>, Response>
    : Method extends ServerStreaming<infer Request, infer Response>
      ? ServerStreamingClientMethod<Outgoing<Request>, Response>
      : Method extends BidiStreaming<infer Request, infer Response>
        ? BidiStreamingClientMethod<Outgoing<Request>, Response>
        : never;

/** A grpc-js client of one service, with one typed method per RPC. */
export type ServiceClient<Name extends EtcdServiceName> = Client & {
  [Method in keyof EtcdServices[Name]]: ClientMethodOf<EtcdServices[Name][Method]>;
};

/** The streaming kind of every RPC, as a value the loader checks against the .proto files. */
export const ETCD_METHOD_KINDS: {
  readonly [Name in EtcdServiceName]: {
    readonly [Method in keyof EtcdServices[Name]]: EtcdServices[Name][Method] extends { kind: infer Kind }
      ? Kind
      : never;
  };
} = {
  KV: { Range: 'unary', Put: 'unary', DeleteRange: 'unary', Txn: 'unary', Compact: 'unary' },
  Watch: { Watch: 'bidi-streaming' },
  Lease: {
    LeaseGrant: 'unary',
    LeaseRevoke: 'unary',
    LeaseKeepAlive: 'bidi-streaming',
    LeaseTimeToLive: 'unary',
    LeaseLeases: 'unary',
  },
  Cluster: {
    MemberAdd: 'unary',
    MemberRemove: 'unary',
    MemberUpdate: 'unary',
    MemberList: 'unary',
    MemberPromote: 'unary',
  },
  Maintenance: {
    Alarm: 'unary',
    Status: 'unary',
    Defragment: 'unary',
    Hash: 'unary',
    HashKV: 'unary',
    Snapshot: 'server-streaming',
    MoveLeader: 'unary',
    Downgrade: 'unary',
  },
  Auth: {
    AuthEnable: 'unary',
    AuthDisable: 'unary',
    AuthStatus: 'unary',
    Authenticate: 'unary',
    UserAdd: 'unary',
    UserGet: 'unary',
    UserList: 'unary',
    UserDelete: 'unary',
    UserChangePassword: 'unary',
    UserGrantRole: 'unary',
    UserRevokeRole: 'unary',
    RoleAdd: 'unary',
    RoleGet: 'unary',
    RoleList: 'unary',
    RoleDelete: 'unary',
    RoleGrantPermission: 'unary',
    RoleRevokePermission: 'unary',
  },
  Lock: { Lock: 'unary', Unlock: 'unary' },
  Election: {
    Campaign: 'unary',
    Proclaim: 'unary',
    Leader: 'unary',
    Observe: 'server-streaming',
    Resign: 'unary',
  },
};

/** The fully qualified gRPC name of each service: the first part of its method paths. */
export const ETCD_SERVICE_FULL_NAMES: { readonly [Name in EtcdServiceName]: string } = {
  KV: 'etcdserverpb.KV',
  Watch: 'etcdserverpb.Watch',
  Lease: 'etcdserverpb.Lease',
  Cluster: 'etcdserverpb.Cluster',
  Maintenance: 'etcdserverpb.Maintenance',
  Auth: 'etcdserverpb.Auth',
  Lock: 'v3lockpb.Lock',
  Election: 'v3electionpb.Election',
};
