// What the Auth service and the access checks of the other services need from a member. rpc/
// declares it; cluster/ implements it (auth-manager.ts). Every call takes the client's CallOptions:
// their `auth` carries the token the checks are made against.
import type { AuthOp, AuthRole } from '../store/auth/auth-state.js';
import type { CallOptions, CallerAuth } from './call-options.js';

/** A change to users, roles or the enabled flag as a client asks for it: passwords in clear. */
export type AuthChangeRequest =
  | Exclude<AuthOp, { op: 'userAdd' | 'userChangePassword' | 'authenticate' }>
  | { readonly op: 'userAdd'; readonly name: string; readonly password: string; readonly noPassword: boolean; readonly hashedPassword: string }
  | { readonly op: 'userChangePassword'; readonly name: string; readonly password: string; readonly hashedPassword: string };

export interface AuthBackend {
  /** A token for the user, once its password is checked and its login applied. */
  authenticate(name: string, password: string, call?: CallOptions): Promise<string>;
  /** Applies a change through raft; with auth on, only root may. */
  change(request: AuthChangeRequest, call?: CallOptions): Promise<void>;
  userGet(name: string, call?: CallOptions): Promise<readonly string[]>;
  userList(call?: CallOptions): Promise<string[]>;
  roleGet(role: string, call?: CallOptions): Promise<AuthRole>;
  roleList(call?: CallOptions): Promise<string[]>;
  status(call?: CallOptions): Promise<{ enabled: boolean; revision: number }>;
  /** For admin-only calls (defragment, member changes, …): rejects unless auth is off or the caller is root. */
  requireAdmin(call?: CallOptions): Promise<void>;
  /**
   * Whether a watch of [key, rangeEnd) may be created for these credentials: undefined if so, else
   * etcd's cancel reason. Synchronous: a watch stream waits for `ready` before its first request.
   */
  watchRefusal(auth: CallerAuth, key: Uint8Array, rangeEnd: Uint8Array | undefined): string | undefined;
  /** Resolves once the credentials can be judged here (a simple token's login is applied). */
  ready(auth: CallerAuth): Promise<void>;
  /** Whether auth is enabled, as this member has applied it (no check of any caller). */
  isEnabled(): boolean;
}
