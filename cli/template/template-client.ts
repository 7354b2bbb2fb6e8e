// The typed client `lodestone template` reads through, from the same --endpoints / TLS / --user
// flags as `lodestone service`, and the sources it renders from over that client. When no member
// answers and the template follows config namespaces, it goes on with a client that keeps trying:
// the subscriptions start from their cached releases (Apollo's local cache) and say so.
import { readFile } from 'node:fs/promises';
import { connect } from '../../client/connect.js';
import { Client } from '../../client/client.js';
import { ClientTls, type ClientTlsOptions } from '../../client/client-tls.js';
import { discover } from '../../client/discovery.js';
import { EndpointRouter } from '../../client/endpoint-router.js';
import { isClientError } from '../../client/errors.js';
import { RemoteTransport } from '../../client/remote-transport.js';
import { ServiceCommandError, type ConnectionFlags } from '../service/connection.js';
import type { TemplateSources } from './sources.js';

/**
 * Connects; with `unreachable` given, a cluster that does not answer is told to it and a client
 * that keeps trying is returned rather than an error.
 */
export async function connectClient(flags: ConnectionFlags, unreachable?: (error: Error) => void): Promise<Client> {
  let auth: { username: string; password: string } | undefined;
  if (flags.user !== undefined) {
    const colon = flags.user.indexOf(':');
    if (colon < 0) throw new ServiceCommandError('--user needs "name:password"');
    auth = { username: flags.user.slice(0, colon), password: flags.user.slice(colon + 1) };
  }
  const read = (path: string | undefined): Promise<Buffer | undefined> => (path === undefined ? Promise.resolve(undefined) : readFile(path));
  const [ca, cert, key] = await Promise.all([read(flags.cacert), read(flags.cert), read(flags.key)]);
  const tls: ClientTlsOptions | undefined = ca || cert || key ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
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
