// How the client reaches the members' HTTP side — the JSON APIs served on the same client port as
// gRPC (the config center's /lodestone/v1/config): which members, in which order, over http or
// https with the client's own CA and certificate, and with which auth token (the one the gRPC calls
// carry, sent as etcd's JSON gateway takes it, in the Authorization header).
import type { AuthSession } from './auth-session.js';
import type { Endpoint, EndpointRouter } from './endpoint-router.js';

/** node:https's TLS options: the CA the members' certificates chain to, this client's certificate. */
export interface HttpsTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** One member's HTTP side. */
export interface HttpTarget {
  /** "http://127.0.0.1:2379" or "https://…". */
  readonly origin: string;
}

export interface HttpAccess {
  /** The members to try, the preferred one first. */
  targets(): readonly HttpTarget[];
  /** TLS for https targets; undefined: the system's roots, no client certificate. */
  readonly tls: HttpsTls | undefined;
  /** The token to send now, if the client logged in. */
  token(): string | undefined;
  /** After a 401 for a request sent with `sentWith`: logs in again; false when the client has no credentials to. */
  renewToken(sentWith: string | undefined): Promise<boolean>;
  /** The member could not be reached: the client's other calls should try others first too. */
  unreachable(target: HttpTarget): void;
  /** The member answered. */
  reached(target: HttpTarget): void;
}

interface RouterTarget extends HttpTarget {
  readonly endpoint: Endpoint;
}

/** A remote client's HTTP access: the router's members and TLS, the session's token. */
export function remoteHttpAccess(router: EndpointRouter, session: AuthSession): HttpAccess {
  return {
    targets: () => router.inOrder().map((endpoint): RouterTarget => ({ origin: `${endpoint.tls ? 'https' : 'http'}://${endpoint.address}`, endpoint })),
    tls: router.tls.httpsOptions,
    token: () => session.current,
    renewToken: async (sentWith) => {
      if (!session.canLogIn) return false;
      await session.renew(sentWith);
      return true;
    },
    unreachable: (t) => router.failed((t as RouterTarget).endpoint),
    reached: (t) => router.succeeded((t as RouterTarget).endpoint),
  };
}
