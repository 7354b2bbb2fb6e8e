// The typed client `lodestone template` reads through, from the same --endpoints / TLS / --user
// flags as `lodestone service`, and the sources it renders from over that client. When no member
// answers and the template follows config namespaces, it goes on with a client that keeps trying:
// the subscriptions start from their cached releases (Apollo's local cache) and say so.
import { connect } from '../../client/connect.js';
import { Client } from '../../client/client.js';
import { ClientTls } from '../../client/client-tls.js';
import { discover } from '../../client/discovery.js';
import { EndpointRouter } from '../../client/endpoint-router.js';
import { isClientError } from '../../client/errors.js';
import { RemoteTransport } from '../../client/remote-transport.js';
import { tlsOptions, userCredentials, type ConnectionFlags } from '../service/connection.js';
import type { TemplateSources } from './sources.js';

/**
 * Connects; with `unreachable` given, a cluster that does not answer is told to it and a client
 * that keeps trying is returned rather than an error.
 */
export async function connectClient(flags: ConnectionFlags, unreachable?: (error: Error) => void): Promise<Client> {
  const auth = userCredentials(flags);
  const tls = await tlsOptions(flags);
  try {
    return await connect({
      endpoints: flags.endpoints,
      connectTimeoutMs: flags.dialTimeout,
      requestTimeoutMs: flags.commandTimeout,
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
    });
  } catch (e) {
    if (!unreachable || !isClientError(e, 'LODESTONE_UNAVAILABLE')) throw e;
    unreachable(e);
    const router = new EndpointRouter(flags.endpoints, Date.now, new ClientTls(tls));
    return new Client(new RemoteTransport(router, { requestTimeoutMs: flags.commandTimeout, retryTimeoutMs: 30_000, ...(auth ? { auth } : {}) }));
  }
}

export function clientSources(client: Client): TemplateSources {
  return {
    subscribeConfig: (namespace, options) => client.subscribeConfig(namespace, options),
    discoverHealthy: (service) => discover(client, service, { passing: true, consumer: 'lodestone-template' }),
  };
}
