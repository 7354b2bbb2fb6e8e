// Messages of etcd's Auth service and authpb, as they arrive; see etcd-api-common-types.ts.

import type { Bytes, EmptyMessage, ResponseHeader, Uint64, UnknownEnumValue } from './etcd-api-common-types.js';

export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

export interface Permission {
  permType: PermissionType | UnknownEnumValue;
  key: Bytes;
  range_end: Bytes;
}

export interface UserAddOptions {
  no_password: boolean;
}

/** The response of every Auth RPC that returns nothing but the header. */
export interface AuthHeaderOnlyResponse {
  header: ResponseHeader | null;
}

export type AuthEnableRequest = EmptyMessage;
export type AuthEnableResponse = AuthHeaderOnlyResponse;
export type AuthDisableRequest = EmptyMessage;
export type AuthDisableResponse = AuthHeaderOnlyResponse;
export type AuthStatusRequest = EmptyMessage;

export interface AuthStatusResponse {
  header: ResponseHeader | null;
  enabled: boolean;
  authRevision: Uint64;
}

export interface AuthenticateRequest {
  name: string;
  password: string;
}

export interface AuthenticateResponse {
  header: ResponseHeader | null;
  token: string;
}

export interface AuthUserAddRequest {
  name: string;
  password: string;
  options: UserAddOptions | null;
  hashedPassword: string;
}

export type AuthUserAddResponse = AuthHeaderOnlyResponse;

export interface AuthUserGetRequest {
  name: string;
}

export interface AuthUserGetResponse {
  header: ResponseHeader | null;
  roles: string[];
}

export type AuthUserListRequest = EmptyMessage;

export interface AuthUserListResponse {
  header: ResponseHeader | null;
  users: string[];
}

export interface AuthUserDeleteRequest {
  name: string;
}

export type AuthUserDeleteResponse = AuthHeaderOnlyResponse;

export interface AuthUserChangePasswordRequest {
  name: string;
  password: string;
  hashedPassword: string;
}

export type AuthUserChangePasswordResponse = AuthHeaderOnlyResponse;

export interface AuthUserGrantRoleRequest {
  user: string;
  role: string;
}

export type AuthUserGrantRoleResponse = AuthHeaderOnlyResponse;

export interface AuthUserRevokeRoleRequest {
  name: string;
  role: string;
}

export type AuthUserRevokeRoleResponse = AuthHeaderOnlyResponse;

export interface AuthRoleAddRequest {
  name: string;
}

export type AuthRoleAddResponse = AuthHeaderOnlyResponse;

export interface AuthRoleGetRequest {
  role: string;
}

export interface AuthRoleGetResponse {
  header: ResponseHeader | null;
  perm: Permission[];
}

export type AuthRoleListRequest = EmptyMessage;

export interface AuthRoleListResponse {
  header: ResponseHeader | null;
  roles: string[];
}

export interface AuthRoleDeleteRequest {
  role: string;
}

export type AuthRoleDeleteResponse = AuthHeaderOnlyResponse;

export interface AuthRoleGrantPermissionRequest {
  name: string;
  perm: Permission | null;
}

export type AuthRoleGrantPermissionResponse = AuthHeaderOnlyResponse;

export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: Bytes;
  range_end: Bytes;
}

export type AuthRoleRevokePermissionResponse = AuthHeaderOnlyResponse;
