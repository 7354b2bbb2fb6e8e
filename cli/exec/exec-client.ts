// The client `lodestone exec` follows its namespace with: the same endpoint, TLS and --user flags as
// `lodestone service`, but a cluster that does not answer at start is not an error here — the
// subscription then starts from its cache file and the client keeps trying the members.
import { Client } from '../../client/client.js';
import { ClientTls } from '../../client/client-tls.js';
import { EndpointRouter } from '../../client/endpoint-router.js';
import { RemoteTransport } from '../../client/remote-transport.js';
import { tlsOptions, userCredentials, type ConnectionFlags } from '../service/connection.js';

/** How long one request is retried before it fails (the subscription keeps trying after that). */
const RETRY_TIMEOUT_MS = 30_000;

export async function execClient(flags: ConnectionFlags, warn: (message: string) => void): Promise<Client> {
  const auth = userCredentials(flags);
  const router = new EndpointRouter(flags.endpoints, Date.now, new ClientTls(await tlsOptions(flags)));
  const transport = new RemoteTransport(router, { requestTimeoutMs: flags.commandTimeout, retryTimeoutMs: RETRY_TIMEOUT_MS, ...(auth ? { auth } : {}) });
  let reachable = false;
  try {
    await transport.findHealthyMember(flags.dialTimeout);
    reachable = true;
  } catch (e) {
    warn(`no member answered with a leader: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Wrong credentials fail at once; without a member to ask, the first request logs in.
  if (reachable && auth) {
    try {
      await transport.logIn();
    } catch (e) {
      await transport.close();
      throw e;
    }
  }
  return new Client(transport, { retryTimeoutMs: RETRY_TIMEOUT_MS });
}
