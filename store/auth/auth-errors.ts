// Errors of the auth store. Each code names the etcd error it stands for (AUTH_X is etcd's ETCD_X, see
// rpc/error-mapping.ts), and the message is etcd's own, so whatever layer reports it reads the same.
import { StoreError } from '../errors.js';

const MESSAGES = {
  AUTH_ROOT_USER_NOT_EXIST: 'etcdserver: root user does not exist',
  AUTH_ROOT_ROLE_NOT_EXIST: 'etcdserver: root user does not have root role',
  AUTH_USER_ALREADY_EXIST: 'etcdserver: user name already exists',
  AUTH_USER_EMPTY: 'etcdserver: user name is empty',
  AUTH_USER_NOT_FOUND: 'etcdserver: user name not found',
  AUTH_ROLE_ALREADY_EXIST: 'etcdserver: role name already exists',
  AUTH_ROLE_NOT_FOUND: 'etcdserver: role name not found',
  AUTH_ROLE_EMPTY: 'etcdserver: role name is empty',
  AUTH_AUTH_FAILED: 'etcdserver: authentication failed, invalid user ID or password',
  AUTH_PERMISSION_DENIED: 'etcdserver: permission denied',
  AUTH_ROLE_NOT_GRANTED: 'etcdserver: role is not granted to the user',
  AUTH_PERMISSION_NOT_GRANTED: 'etcdserver: permission is not granted to the role',
  AUTH_AUTH_NOT_ENABLED: 'etcdserver: authentication is not enabled',
  AUTH_INVALID_AUTH_TOKEN: 'etcdserver: invalid auth token',
  AUTH_INVALID_AUTH_MGMT: 'etcdserver: invalid auth management',
  AUTH_AUTH_OLD_REVISION: 'etcdserver: revision of auth store is old',
} as const;

export type AuthErrorCode = keyof typeof MESSAGES;

export class AuthError extends StoreError {
  readonly authCode: AuthErrorCode;

  constructor(code: AuthErrorCode) {
    super('STORE_AUTH', MESSAGES[code]);
    this.name = 'AuthError';
    this.authCode = code;
  }
}

export function isAuthError(e: unknown, code?: AuthErrorCode): e is AuthError {
  return e instanceof AuthError && (code === undefined || e.authCode === code);
}
