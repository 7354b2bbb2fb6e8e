// The routes of etcd 3.4's JSON gateway: the google.api.http annotations of its rpc.proto,
// v3lock.proto and v3election.proto. Every one is a POST whose body is the whole request. etcd also
// answers under /v3beta/, which its access controller rewrites to /v3/ (see http-access.ts). Methods
// etcd 3.5 added (AuthStatus, HashKV, Downgrade) have no route in 3.4.
import { ETCD_METHOD_KINDS, type EtcdServiceName, type MethodKind } from './etcd-api.js';

export interface GatewayRoute {
  readonly service: EtcdServiceName;
  readonly method: string;
  readonly kind: MethodKind;
}

const TABLE: readonly (readonly [path: string, service: EtcdServiceName, method: string])[] = [
  ['/v3/kv/range', 'KV', 'Range'],
  ['/v3/kv/put', 'KV', 'Put'],
  ['/v3/kv/deleterange', 'KV', 'DeleteRange'],
  ['/v3/kv/txn', 'KV', 'Txn'],
  ['/v3/kv/compaction', 'KV', 'Compact'],
  ['/v3/watch', 'Watch', 'Watch'],
  ['/v3/lease/grant', 'Lease', 'LeaseGrant'],
  ['/v3/lease/revoke', 'Lease', 'LeaseRevoke'],
  ['/v3/kv/lease/revoke', 'Lease', 'LeaseRevoke'],
  ['/v3/lease/keepalive', 'Lease', 'LeaseKeepAlive'],
  ['/v3/lease/timetolive', 'Lease', 'LeaseTimeToLive'],
  ['/v3/kv/lease/timetolive', 'Lease', 'LeaseTimeToLive'],
  ['/v3/lease/leases', 'Lease', 'LeaseLeases'],
  ['/v3/kv/lease/leases', 'Lease', 'LeaseLeases'],
  ['/v3/cluster/member/add', 'Cluster', 'MemberAdd'],
  ['/v3/cluster/member/remove', 'Cluster', 'MemberRemove'],
  ['/v3/cluster/member/update', 'Cluster', 'MemberUpdate'],
  ['/v3/cluster/member/list', 'Cluster', 'MemberList'],
  ['/v3/cluster/member/promote', 'Cluster', 'MemberPromote'],
  ['/v3/maintenance/alarm', 'Maintenance', 'Alarm'],
  ['/v3/maintenance/status', 'Maintenance', 'Status'],
  ['/v3/maintenance/defragment', 'Maintenance', 'Defragment'],
  ['/v3/maintenance/hash', 'Maintenance', 'Hash'],
  ['/v3/maintenance/snapshot', 'Maintenance', 'Snapshot'],
  ['/v3/maintenance/transfer-leadership', 'Maintenance', 'MoveLeader'],
  ['/v3/auth/enable', 'Auth', 'AuthEnable'],
  ['/v3/auth/disable', 'Auth', 'AuthDisable'],
  ['/v3/auth/authenticate', 'Auth', 'Authenticate'],
  ['/v3/auth/user/add', 'Auth', 'UserAdd'],
  ['/v3/auth/user/get', 'Auth', 'UserGet'],
  ['/v3/auth/user/list', 'Auth', 'UserList'],
  ['/v3/auth/user/delete', 'Auth', 'UserDelete'],
  ['/v3/auth/user/changepw', 'Auth', 'UserChangePassword'],
  ['/v3/auth/user/grant', 'Auth', 'UserGrantRole'],
  ['/v3/auth/user/revoke', 'Auth', 'UserRevokeRole'],
  ['/v3/auth/role/add', 'Auth', 'RoleAdd'],
  ['/v3/auth/role/get', 'Auth', 'RoleGet'],
  ['/v3/auth/role/list', 'Auth', 'RoleList'],
  ['/v3/auth/role/delete', 'Auth', 'RoleDelete'],
  ['/v3/auth/role/grant', 'Auth', 'RoleGrantPermission'],
  ['/v3/auth/role/revoke', 'Auth', 'RoleRevokePermission'],
  ['/v3/lock/lock', 'Lock', 'Lock'],
  ['/v3/lock/unlock', 'Lock', 'Unlock'],
  ['/v3/election/campaign', 'Election', 'Campaign'],
  ['/v3/election/proclaim', 'Election', 'Proclaim'],
  ['/v3/election/leader', 'Election', 'Leader'],
  ['/v3/election/observe', 'Election', 'Observe'],
  ['/v3/election/resign', 'Election', 'Resign'],
];

/** Every route, by its path under /v3/. */
export const GATEWAY_ROUTES: ReadonlyMap<string, GatewayRoute> = new Map(
  TABLE.map(([path, service, method]) => {
    const kinds: Readonly<Record<string, MethodKind>> = ETCD_METHOD_KINDS[service];
    const kind = kinds[method];
    if (kind === undefined) throw new Error(`${service} has no method ${method}`);
    return [path, { service, method, kind }] as const;
  }),
);
