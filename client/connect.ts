// A client of a cluster over etcd's gRPC API — a Lodestone cluster, or etcd itself.
import type { Credentials } from './auth-session.js';
import { Client, type ClientOptions } from './client.js';
import { ClientTls, type ClientTlsOptions } from './client-tls.js';
import { EndpointRouter } from './endpoint-router.js';
import { RemoteTransport } from './remote-transport.js';

export interface ConnectOptions extends ClientOptions {
  /**
   * The members' client URLs ("http://host:2379", "https://host:2379") or addresses ("host:2379"), in
   * order of preference. https:// always uses TLS, http:// never; a bare address uses it when `tls` is given.
   */
  readonly endpoints: readonly string[];
  /** TLS: the CA the members' certificates chain to, and this client's certificate if the cluster requires one. */
  readonly tls?: ClientTlsOptions;
  /** Deadline of one attempt of a request (a retry goes on after it). Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** How long connect() waits for a member that knows a leader. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * A user of the cluster's auth: connect() logs in as it (failing at once on a wrong password),
   * every call carries its token, and the client logs in again when a member says the token is
   * invalid or stale.
   */
  readonly auth?: Credentials;
}

/**
 * Connects to a cluster: resolves once a member answers and knows a leader — the first such in the
 * list of endpoints — and talks to that member until it fails.
 */
export async function connect(options: ConnectOptions): Promise<Client> {
  const router = new EndpointRouter(options.endpoints, Date.now, new ClientTls(options.tls));
  const transport = new RemoteTransport(router, {
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    retryTimeoutMs: options.retryTimeoutMs ?? 30_000,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  try {
    await transport.findHealthyMember(options.connectTimeoutMs ?? 10_000);
    if (options.auth) await transport.logIn();
  } catch (e) {
    await transport.close();
    throw e;
  }
  return new Client(transport, options);
}
