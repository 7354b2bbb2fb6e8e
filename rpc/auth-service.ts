// etcd's Auth service: AuthEnable, AuthDisable, AuthStatus, Authenticate, and the user and role
// calls. Headers carry the member's key-value revision, as etcd's do.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import type { AuthBackend, AuthChangeRequest } from './auth-backend.js';
import type { CallOptions } from './call-options.js';
import { EtcdError } from './etcd-errors.js';
import type { KvBackend } from './kv-backend.js';
import { header } from './kv-convert.js';
import { unary } from './unary.js';
import type { Permission, PermissionType } from '../store/auth/permissions.js';

const FROM_PB: Readonly<Record<string, PermissionType>> = { READ: 'read', WRITE: 'write', READWRITE: 'readwrite' };
const TO_PB: Readonly<Record<PermissionType, 'READ' | 'WRITE' | 'READWRITE'>> = { read: 'READ', write: 'WRITE', readwrite: 'READWRITE' };

function permission(p: pb.Permission | null): Permission {
  // etcd's RoleGrantPermission with no permission is a nil dereference there; here it is refused.
  if (p === null) throw new EtcdError('ETCD_PERMISSION_NOT_GIVEN');
  const type = typeof p.permType === 'string' ? FROM_PB[p.permType] : undefined;
  if (type === undefined) throw new EtcdError('ETCD_PERMISSION_NOT_GIVEN');
  return { type, key: p.key, rangeEnd: p.range_end };
}

export function authService(auth: AuthBackend, kv: KvBackend, revision: () => number): ServiceHandlers<'Auth'> {
  const hdr = (): pb.Outgoing<pb.ResponseHeader> => header(kv.headerFields(), revision());
  /** A change answered by a bare header. */
  const change = <Req>(toRequest: (req: Req) => AuthChangeRequest) =>
    unary<Req, pb.Outgoing<pb.AuthHeaderOnlyResponse>>(async (req, options: CallOptions) => {
      await auth.change(toRequest(req), options);
      return { header: hdr() };
    });
  return {
    AuthEnable: change<pb.AuthEnableRequest>(() => ({ op: 'enable' })),
    AuthDisable: change<pb.AuthDisableRequest>(() => ({ op: 'disable' })),
    AuthStatus: unary<pb.AuthStatusRequest, pb.Outgoing<pb.AuthStatusResponse>>(async (_req, options) => {
      const s = await auth.status(options);
      return { header: hdr(), enabled: s.enabled, authRevision: String(s.revision) };
    }),
    Authenticate: unary<pb.AuthenticateRequest, pb.Outgoing<pb.AuthenticateResponse>>(async (req, options) => {
      const token = await auth.authenticate(req.name, req.password, options);
      return { header: hdr(), token };
    }),
    UserAdd: change<pb.AuthUserAddRequest>((req) => ({
      op: 'userAdd',
      name: req.name,
      password: req.password,
      noPassword: req.options?.no_password ?? false,
      hashedPassword: req.hashedPassword,
    })),
    UserGet: unary<pb.AuthUserGetRequest, pb.Outgoing<pb.AuthUserGetResponse>>(async (req, options) => {
      const roles = await auth.userGet(req.name, options);
      return { header: hdr(), roles: [...roles] };
    }),
    UserList: unary<pb.AuthUserListRequest, pb.Outgoing<pb.AuthUserListResponse>>(async (_req, options) => {
      return { header: hdr(), users: await auth.userList(options) };
    }),
    UserDelete: change<pb.AuthUserDeleteRequest>((req) => ({ op: 'userDelete', name: req.name })),
    UserChangePassword: change<pb.AuthUserChangePasswordRequest>((req) => ({
      op: 'userChangePassword',
      name: req.name,
      password: req.password,
      hashedPassword: req.hashedPassword,
    })),
    UserGrantRole: change<pb.AuthUserGrantRoleRequest>((req) => ({ op: 'userGrantRole', user: req.user, role: req.role })),
    UserRevokeRole: change<pb.AuthUserRevokeRoleRequest>((req) => ({ op: 'userRevokeRole', name: req.name, role: req.role })),
    RoleAdd: change<pb.AuthRoleAddRequest>((req) => ({ op: 'roleAdd', name: req.name })),
    RoleGet: unary<pb.AuthRoleGetRequest, pb.Outgoing<pb.AuthRoleGetResponse>>(async (req, options) => {
      const role = await auth.roleGet(req.role, options);
      return { header: hdr(), perm: role.permissions.map((p) => ({ permType: TO_PB[p.type], key: p.key, range_end: p.rangeEnd })) };
    }),
    RoleList: unary<pb.AuthRoleListRequest, pb.Outgoing<pb.AuthRoleListResponse>>(async (_req, options) => {
      return { header: hdr(), roles: await auth.roleList(options) };
    }),
    RoleDelete: change<pb.AuthRoleDeleteRequest>((req) => ({ op: 'roleDelete', name: req.role })),
    RoleGrantPermission: change<pb.AuthRoleGrantPermissionRequest>((req) => ({ op: 'roleGrantPermission', name: req.name, permission: permission(req.perm) })),
    RoleRevokePermission: change<pb.AuthRoleRevokePermissionRequest>((req) => ({
      op: 'roleRevokePermission',
      role: req.role,
      key: req.key,
      rangeEnd: req.range_end,
    })),
  };
}
