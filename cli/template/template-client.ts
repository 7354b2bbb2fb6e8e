// The typed client `lodestone template` reads through, from the same --endpoints / TLS / --user
// flags as `lodestone service`, and the sources it renders from over that client.
import { readFile } from 'node:fs/promises';
import { connect } from '../../client/connect.js';
import type { Client } from '../../client/client.js';
import type { ClientTlsOptions } from '../../client/client-tls.js';
import { discover } from '../../client/discovery.js';
import { ServiceCommandError, type ConnectionFlags } from '../service/connection.js';
import type { TemplateSources } from './sources.js';

export async function connectClient(flags: ConnectionFlags): Promise<Client> {
  let auth: { username: string; password: string } | undefined;
  if (flags.user !== undefined) {
    const colon = flags.user.indexOf(':');
    if (colon < 0) throw new ServiceCommandError('--user needs "name:password"');
    auth = { username: flags.user.slice(0, colon), password: flags.user.slice(colon + 1) };
  }
  const read = (path: string | undefined): Promise<Buffer | undefined> => (path === undefined ? Promise.resolve(undefined) : readFile(path));
  const [ca, cert, key] = await Promise.all([read(flags.cacert), read(flags.cert), read(flags.key)]);
  const tls: ClientTlsOptions | undefined = ca || cert || key ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  return connect({
    endpoints: flags.endpoints,
    connectTimeoutMs: flags.dialTimeout,
    requestTimeoutMs: flags.commandTimeout,
    ...(tls ? { tls } : {}),
    ...(auth ? { auth } : {}),
  });
}

export function clientSources(client: Client): TemplateSources {
  return {
    subscribeConfig: (namespace, options) => client.subscribeConfig(namespace, options),
    discoverHealthy: (service) => discover(client, service, { passing: true, consumer: 'lodestone-template' }),
  };
}
