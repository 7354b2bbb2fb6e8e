// The member's side of etcd's auth: the replicated auth store as this member has applied it, the
// tokens (simple or JWT), who a call's credentials name, the checks etcd makes outside the apply
// (reads, watches, admin-only calls), and the Auth RPCs — changes and logins go through raft, and
// the apply decides them (applier.ts), so every member agrees; lookups are served locally after a
// linearizable read.
import { EtcdError } from '../rpc/etcd-errors.js';
import { asEtcdError } from '../rpc/error-mapping.js';
import type { AuthBackend, AuthChangeRequest } from '../rpc/auth-backend.js';
import type { CallOptions, CallerAuth } from '../rpc/call-options.js';
import { AuthError } from '../store/auth/auth-errors.js';
import { AUTH_META_PREFIX, loadAuthState } from '../store/auth/auth-records.js';
import { AuthState, type AuthInfo, type AuthOp, type AuthRole } from '../store/auth/auth-state.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../store/auth/password.js';
import type { AuthOutcome, AppliedLogin } from './applier.js';
import { JwtTokens } from './auth-jwt.js';
import { SimpleTokens } from './auth-simple-tokens.js';
import type { AuthTokenOptions } from './auth-token-options.js';
import { LoginThrottle } from './login-throttle.js';

export interface AuthPort {
  /** Proposes an auth request and resolves with how its apply decided it. */
  propose(op: AuthOp, who: AuthInfo | undefined, call?: CallOptions): Promise<AuthOutcome>;
  linearizableRead(call?: CallOptions): Promise<void>;
  waitApplied(index: number, call?: CallOptions): Promise<void>;
  appliedIndex(): number;
  /** The replicated state meta records whose names start with a prefix (the auth store's records). */
  metaRecords(prefix: string): Iterable<readonly [string, Uint8Array]>;
}


/** etcd's default --auth-token-ttl, in seconds. */
export const DEFAULT_AUTH_TOKEN_TTL_SECONDS = 300;

function toEtcd(e: AuthError): EtcdError {
  return asEtcdError(e)!;
}

/** The names Go's gRPC status errors print for the codes auth refusals travel with. */
const GRPC_CODE_NAMES: Readonly<Record<number, string>> = { 3: 'InvalidArgument', 7: 'PermissionDenied', 16: 'Unauthenticated' };

export class AuthManager implements AuthBackend {
  private current: AuthState;
  private readonly simple: SimpleTokens | undefined;
  private readonly jwt: JwtTokens | undefined;
  private readonly throttle = new LoginThrottle();

  /**
   * `clientCertAuth` is etcd's --client-cert-auth as the member's https client URLs serve it: a
   * call without a token is then the user its verified client certificate's CN names.
   */
  constructor(
    private readonly port: AuthPort,
    tokens: AuthTokenOptions,
    simpleTokenTtlSeconds: number,
    private readonly clientCertAuth = false,
  ) {
    this.current = loadAuthState(port.metaRecords(AUTH_META_PREFIX));
    if (tokens.kind === 'jwt') this.jwt = new JwtTokens(tokens.signMethod, tokens.publicKey, tokens.privateKey, tokens.ttlMs);
    else this.simple = new SimpleTokens(simpleTokenTtlSeconds * 1000);
  }

  get state(): AuthState {
    return this.current;
  }

  isEnabled(): boolean {
    return this.current.enabled;
  }

  // ------------------------------------------------------------------ following the apply

  /** A batch was applied: its logins' simple tokens, and the auth store it left. */
  onApplied(logins: readonly AppliedLogin[], after: AuthState | undefined): void {
    if (after) this.follow(after);
    if (this.simple && this.current.enabled) for (const l of logins) this.simple.add(l.tokenPrefix, l.index, l.username);
  }

  /** A snapshot replaced the state. */
  restored(): void {
    this.follow(loadAuthState(this.port.metaRecords(AUTH_META_PREFIX)));
  }

  private follow(next: AuthState): void {
    const before = this.current;
    this.current = next;
    if (!this.simple) return;
    // As etcd: disabling auth drops every token; deleting a user or changing its password, its own.
    if (!next.enabled) this.simple.clear();
    else this.simple.dropUsers((name) => next.user(name)?.passwordHash !== before.user(name)?.passwordHash);
  }

  close(): void {
    this.simple?.close();
  }

  // ------------------------------------------------------------------ who is calling

  /**
   * The user a call's credentials name: undefined for the member's own requests (never checked),
   * no user (revision 0) for a client without credentials. Fails with etcd's "invalid auth token".
   */
  async identify(call: CallOptions | undefined): Promise<AuthInfo | undefined> {
    const auth = call?.auth;
    if (auth === undefined) return undefined;
    const found = this.identifyNow(auth);
    if (found !== 'wait') return found;
    // A simple token from a login this member has not applied yet (etcd waits for its index too).
    const index = this.pendingIndex(auth.token!);
    if (index !== undefined) await this.port.waitApplied(index, call);
    const again = this.identifyNow(auth);
    if (again === 'wait') throw new EtcdError('ETCD_INVALID_AUTH_TOKEN');
    return again;
  }

  /** identify() without waiting: 'wait' when only the apply of a login can tell. */
  identifyNow(auth: CallerAuth): AuthInfo | 'wait' {
    const { token } = auth;
    if (token === undefined) {
      // etcd's AuthInfoFromTLS, which it asks only with --client-cert-auth (a trusted CA alone has
      // client certificates verified, not taken as users): the certificate's CN, an unknown user
      // being refused as one. Without auth on nothing is checked, so the certificate is not read.
      const cn = this.clientCertAuth && this.current.enabled ? auth.certCommonName?.() : undefined;
      if (cn !== undefined) return { username: cn, revision: this.current.revision };
      return { username: '', revision: 0 };
    }
    if (this.jwt) {
      const info = this.jwt.info(token);
      if (!info) throw new EtcdError('ETCD_INVALID_AUTH_TOKEN');
      return info;
    }
    const found = this.simple!.lookup(token, this.port.appliedIndex());
    if (found.found) return { username: found.username, revision: this.current.revision };
    if (found.waitForIndex !== undefined) return 'wait';
    throw new EtcdError('ETCD_INVALID_AUTH_TOKEN');
  }

  async ready(auth: CallerAuth): Promise<void> {
    if (auth.token === undefined) return;
    const index = this.pendingIndex(auth.token);
    if (index !== undefined) await this.port.waitApplied(index);
  }

  /** etcd's isWatchPermitted, with the cancel reasons its watch server sends. */
  watchRefusal(auth: CallerAuth, key: Uint8Array, rangeEnd: Uint8Array | undefined): string | undefined {
    try {
      const who = this.identifyNow(auth);
      if (who === 'wait') throw new EtcdError('ETCD_INVALID_AUTH_TOKEN');
      this.check((s) => s.checkKeys(who, 'read', key, rangeEnd));
      return undefined;
    } catch (e) {
      if (!(e instanceof EtcdError)) throw e;
      const known = e.code === 'ETCD_INVALID_AUTH_TOKEN' || e.code === 'ETCD_AUTH_OLD_REVISION' || e.code === 'ETCD_USER_EMPTY';
      const shown = known ? e : new EtcdError('ETCD_PERMISSION_DENIED');
      // etcd sends the text of a Go gRPC status error here.
      return `rpc error: code = ${GRPC_CODE_NAMES[shown.grpcCode] ?? 'Unknown'} desc = ${shown.message}`;
    }
  }

  private pendingIndex(token: string): number | undefined {
    const r = this.simple?.lookup(token, this.port.appliedIndex());
    return r && !r.found ? r.waitForIndex : undefined;
  }

  // ------------------------------------------------------------------ checks outside the apply

  /** Rethrows the store's auth refusals as etcd's errors. */
  check(f: (state: AuthState) => void): void {
    try {
      f(this.current);
    } catch (e) {
      throw e instanceof AuthError ? toEtcd(e) : e;
    }
  }

  /** etcd's doSerialize, after the read: the auth store moved while it ran. */
  checkStillCurrent(who: AuthInfo | undefined): void {
    if (who && who.revision !== 0 && who.revision !== this.current.revision) throw new EtcdError('ETCD_AUTH_OLD_REVISION');
  }

  /**
   * A refusal as "revision of auth store is old" of a stamp this member gave (a simple token or a
   * client certificate carry no revision of their own: the member stamps its current one), made
   * while an auth change was on its way here. Go's etcd client logs in again and retries on this;
   * the member may retry for every client, with a fresh stamp, once it has applied the change. A
   * JWT carries its revision: there the client must log in again.
   */
  isMemberStampRefused(call: CallOptions | undefined, who: AuthInfo | undefined, e: unknown): who is AuthInfo {
    if (asEtcdError(e)?.code !== 'ETCD_AUTH_OLD_REVISION') return false;
    if (who === undefined || who.revision === 0) return false;
    return this.jwt === undefined || call?.auth?.token === undefined;
  }

  /** For admin-only calls: with auth on, the caller must have the root role. */
  async requireAdmin(call: CallOptions | undefined): Promise<void> {
    const who = await this.identify(call);
    if (who !== undefined) this.check((s) => s.checkAdmin(who));
  }

  // ------------------------------------------------------------------ the Auth RPCs

  async authenticate(name: string, password: string, call?: CallOptions): Promise<string> {
    await this.port.linearizableRead(call);
    for (;;) {
      const checked = await this.throttle.attempt(name, async () => {
        const state = this.current;
        if (!state.enabled) throw new EtcdError('ETCD_AUTH_NOT_ENABLED');
        const user = state.user(name);
        const ok = await verifyPassword(password, user && !user.noPassword ? user.passwordHash : undefined);
        return { ok, value: ok ? state.revision : undefined };
      });
      if (checked === undefined) throw new EtcdError('ETCD_AUTH_FAILED');
      const prefix = this.simple ? SimpleTokens.prefix() : '';
      const outcome = await this.port.propose({ op: 'authenticate', name, tokenPrefix: prefix }, undefined, call);
      if (!outcome.ok) throw toEtcd(outcome.error);
      // As etcd: if the auth store moved between the password check and the login, check again.
      if (checked !== this.current.revision) continue;
      if (this.simple) return SimpleTokens.token(prefix, outcome.index);
      const token = this.jwt!.issue(name, outcome.revision);
      if (token === undefined) throw new EtcdError('ETCD_AUTH_FAILED');
      return token;
    }
  }

  /** A change to users, roles or the enabled flag; resolves once applied here. */
  async change(request: AuthChangeRequest, call?: CallOptions): Promise<void> {
    const who = await this.identify(call);
    const op = await this.toOp(request);
    const outcome = await this.port.propose(op, who, call);
    if (!outcome.ok) throw toEtcd(outcome.error);
  }

  private async toOp(r: AuthChangeRequest): Promise<AuthOp> {
    switch (r.op) {
      case 'userAdd': {
        const noPassword = r.noPassword;
        return { op: 'userAdd', name: r.name, noPassword, passwordHash: noPassword ? '' : await this.passwordHash(r.password, r.hashedPassword) };
      }
      case 'userChangePassword':
        return { op: 'userChangePassword', name: r.name, passwordHash: await this.passwordHash(r.password, r.hashedPassword) };
      default:
        return r;
    }
  }

  /** A client may send a hash it made itself (etcd 3.5's hashedPassword) if it is of our form. */
  private async passwordHash(password: string, hashed: string): Promise<string> {
    if (hashed.length === 0) return hashPassword(password);
    if (!isPasswordHash(hashed)) throw new EtcdError('ETCD_AUTH_FAILED');
    return hashed;
  }

  /**
   * A lookup (user get/list, role get/list, status), served here after a linearizable read. The
   * member's own lookups (no credentials at all, as an embedded node's) are not checked.
   */
  private async lookup<T>(call: CallOptions | undefined, allowed: (who: AuthInfo, s: AuthState) => void, read: (s: AuthState) => T): Promise<T> {
    const who = await this.identify(call);
    await this.port.linearizableRead(call);
    if (who !== undefined) this.check((s) => allowed(who, s));
    return read(this.current);
  }

  userGet(name: string, call?: CallOptions): Promise<readonly string[]> {
    return this.lookup(
      call,
      // etcd lets a user read itself.
      (who, s) => {
        if (who.username !== name) s.checkAdmin(who);
      },
      (s) => {
        const u = s.user(name);
        if (!u) throw new EtcdError('ETCD_USER_NOT_FOUND');
        return u.roles;
      },
    );
  }

  userList(call?: CallOptions): Promise<string[]> {
    return this.lookup(call, (who, s) => s.checkAdmin(who), (s) => s.users().map((u) => u.name));
  }

  roleGet(role: string, call?: CallOptions): Promise<AuthRole> {
    return this.lookup(
      call,
      // etcd lets a user read the roles it has.
      (who, s) => {
        if (!s.hasRole(who.username, role)) s.checkAdmin(who);
      },
      (s) => {
        const r = s.role(role);
        if (!r) throw new EtcdError('ETCD_ROLE_NOT_FOUND');
        return r;
      },
    );
  }

  roleList(call?: CallOptions): Promise<string[]> {
    return this.lookup(call, (who, s) => s.checkAdmin(who), (s) => s.roles().map((r) => r.name));
  }

  status(call?: CallOptions): Promise<{ enabled: boolean; revision: number }> {
    return this.lookup(call, (who, s) => s.checkAdmin(who), (s) => ({ enabled: s.enabled, revision: s.revision }));
  }
}
