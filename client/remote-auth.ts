// etcd's Auth calls over gRPC for the remote client, each one call of the transport (with its token
// and deadline): a change to its RPC, the answers to the store's shapes.
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type { AuthChangeRequest } from '../rpc/auth-backend.js';
import type * as pb from '../rpc/etcd-api.js';
import type { Permission, PermissionType } from '../store/auth/permissions.js';
import { ClientError } from './errors.js';
import type { TransportAuth } from './transport.js';

type Callback<T> = (err: ServiceError | null, res?: T) => void;

/** Sends one Auth call on the member the transport picks; `md` carries the session's token. */
export type AuthInvoke = <T>(send: (auth: pb.ServiceClient<'Auth'>, md: Metadata, options: { deadline: number }, cb: Callback<T>) => void) => Promise<T>;

const TO_PB: Readonly<Record<PermissionType, pb.PermissionType>> = { read: 'READ', write: 'WRITE', readwrite: 'READWRITE' };
const FROM_PB: Readonly<Record<string, PermissionType>> = { READ: 'read', WRITE: 'write', READWRITE: 'readwrite' };

type HeaderOnly = pb.AuthHeaderOnlyResponse;

export function remoteAuth(invoke: AuthInvoke): TransportAuth {
  const change = async (r: AuthChangeRequest): Promise<void> => {
    switch (r.op) {
      case 'enable':
        await invoke<HeaderOnly>((a, md, o, cb) => a.AuthEnable({}, md, o, cb));
        return;
      case 'disable':
        await invoke<HeaderOnly>((a, md, o, cb) => a.AuthDisable({}, md, o, cb));
        return;
      case 'userAdd':
        await invoke<HeaderOnly>((a, md, o, cb) =>
          a.UserAdd({ name: r.name, password: r.password, options: { no_password: r.noPassword }, hashedPassword: r.hashedPassword }, md, o, cb),
        );
        return;
      case 'userDelete':
        await invoke<HeaderOnly>((a, md, o, cb) => a.UserDelete({ name: r.name }, md, o, cb));
        return;
      case 'userChangePassword':
        await invoke<HeaderOnly>((a, md, o, cb) => a.UserChangePassword({ name: r.name, password: r.password, hashedPassword: r.hashedPassword }, md, o, cb));
        return;
      case 'userGrantRole':
        await invoke<HeaderOnly>((a, md, o, cb) => a.UserGrantRole({ user: r.user, role: r.role }, md, o, cb));
        return;
      case 'userRevokeRole':
        await invoke<HeaderOnly>((a, md, o, cb) => a.UserRevokeRole({ name: r.name, role: r.role }, md, o, cb));
        return;
      case 'roleAdd':
        await invoke<HeaderOnly>((a, md, o, cb) => a.RoleAdd({ name: r.name }, md, o, cb));
        return;
      case 'roleDelete':
        await invoke<HeaderOnly>((a, md, o, cb) => a.RoleDelete({ role: r.name }, md, o, cb));
        return;
      case 'roleGrantPermission': {
        const perm = { permType: TO_PB[r.permission.type], key: r.permission.key, range_end: r.permission.rangeEnd };
        await invoke<HeaderOnly>((a, md, o, cb) => a.RoleGrantPermission({ name: r.name, perm }, md, o, cb));
        return;
      }
      case 'roleRevokePermission':
        await invoke<HeaderOnly>((a, md, o, cb) => a.RoleRevokePermission({ role: r.role, key: r.key, range_end: r.rangeEnd }, md, o, cb));
        return;
    }
  };
  return {
    change,
    status: async () => {
      const res = await invoke<pb.AuthStatusResponse>((a, md, o, cb) => a.AuthStatus({}, md, o, cb));
      return { enabled: res.enabled, revision: Number(res.authRevision) };
    },
    userGet: async (name) => (await invoke<pb.AuthUserGetResponse>((a, md, o, cb) => a.UserGet({ name }, md, o, cb))).roles,
    userList: async () => (await invoke<pb.AuthUserListResponse>((a, md, o, cb) => a.UserList({}, md, o, cb))).users,
    roleGet: async (role) => {
      const res = await invoke<pb.AuthRoleGetResponse>((a, md, o, cb) => a.RoleGet({ role }, md, o, cb));
      return res.perm.map(permissionFromPb);
    },
    roleList: async () => (await invoke<pb.AuthRoleListResponse>((a, md, o, cb) => a.RoleList({}, md, o, cb))).roles,
  };
}

function permissionFromPb(p: pb.Permission): Permission {
  const type = typeof p.permType === 'string' ? FROM_PB[p.permType] : undefined;
  if (type === undefined) throw new ClientError('LODESTONE_RPC_FAILED', `a permission of unknown type ${String(p.permType)}`);
  return { type, key: new Uint8Array(p.key), rangeEnd: new Uint8Array(p.range_end) };
}
