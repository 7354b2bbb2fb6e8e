// A remote client's login: the token it sends in every call's metadata (`token`, as etcd's clients
// send it), got from Authenticate with the credentials given to connect(), and got again when a
// member says the token is invalid (expired, or the member restarted), stale (the auth store moved:
// JWTs), or missing. Concurrent calls that need a new token share one login.
import { Metadata } from '@grpc/grpc-js';
import { isEtcdError } from '../rpc/etcd-errors.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Logs in and resolves with the token. */
export type Login = (credentials: Credentials) => Promise<string>;

export class AuthSession {
  private token: string | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly credentials: Credentials | undefined,
    private readonly login: Login,
  ) {}

  /** Metadata for one call: the current token, if there is one. */
  metadata(): Metadata {
    const md = new Metadata();
    if (this.token !== undefined) md.set('token', this.token);
    return md;
  }

  /** The token a call went out with, to tell later whether a login happened since. */
  get current(): string | undefined {
    return this.token;
  }

  /** Whether the session has credentials to log in with. */
  get canLogIn(): boolean {
    return this.credentials !== undefined;
  }

  /** Whether a call that failed with `e` (having sent `sentWith`) should log in again and be retried. */
  wantsLogin(e: unknown): boolean {
    if (this.credentials === undefined) return false;
    return isEtcdError(e, 'ETCD_INVALID_AUTH_TOKEN') || isEtcdError(e, 'ETCD_AUTH_OLD_REVISION') || isEtcdError(e, 'ETCD_USER_EMPTY');
  }

  /** Logs in unless a login since `sentWith` already replaced that token. */
  async renew(sentWith: string | undefined): Promise<void> {
    if (this.credentials === undefined) return;
    if (this.token !== sentWith) return;
    this.pending ??= this.login(this.credentials).then(
      (token) => {
        this.token = token;
        this.pending = undefined;
      },
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }
}
