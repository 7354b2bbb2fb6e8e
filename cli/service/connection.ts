// How a `lodestone service` command reaches the cluster: etcdctl's --endpoints, TLS and --user
// flags, one connection to the first member that answers and knows a leader, and the registry's
// reader and writer over it.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { ClientTls, type ClientTlsOptions } from '../../client/client-tls.js';
import { EndpointRouter } from '../../client/endpoint-router.js';
import { RemoteTransport } from '../../client/remote-transport.js';
import { RegistryView } from '../../registry/registry-view.js';
import { RegistryWriter } from '../../registry/registry-writer.js';
import { parseDuration } from './duration.js';
import { remoteKv, remoteWatch, type RemoteKv } from './remote-registry.js';

export interface ConnectionFlags {
  readonly endpoints: string[];
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly user?: string;
  readonly dialTimeout: number;
  readonly commandTimeout: number;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Adds the connection flags to a command (each service subcommand has them). */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--endpoints <list>', 'gRPC endpoints, comma-separated', list, ['127.0.0.1:2379'])
    .option('--cacert <file>', 'verify certificates of TLS-enabled secure servers using this CA bundle')
    .option('--cert <file>', 'identify secure client using this TLS certificate file')
    .option('--key <file>', 'identify secure client using this TLS key file')
    .option('--user <name:password>', 'username:password for authentication')
    .addOption(new Option('--dial-timeout <duration>', 'how long to wait for a member that knows a leader').argParser(parseDuration).default(5000, '5s'))
    .addOption(new Option('--command-timeout <duration>', 'timeout of each request').argParser(parseDuration).default(10_000, '10s'));
}

export class ServiceCommandError extends Error {
  override readonly name = 'ServiceCommandError';
}

export interface RegistryConnection {
  readonly transport: RemoteTransport;
  readonly kv: RemoteKv;
  readonly writer: RegistryWriter;
  /** A view of the registry, started (read once) and following changes until close(). */
  view(onWatchError: (error: Error) => void): Promise<RegistryView>;
  close(): Promise<void>;
}

/** The --user flag's name and password. */
export function userCredentials(flags: ConnectionFlags): { username: string; password: string } | undefined {
  if (flags.user === undefined) return undefined;
  const colon = flags.user.indexOf(':');
  if (colon < 0) throw new ServiceCommandError('--user needs "name:password"');
  return { username: flags.user.slice(0, colon), password: flags.user.slice(colon + 1) };
}

export async function openConnection(flags: ConnectionFlags): Promise<RegistryConnection> {
  const tls = await tlsOptions(flags);
  const auth = userCredentials(flags);
  const router = new EndpointRouter(flags.endpoints, Date.now, new ClientTls(tls));
  const transport = new RemoteTransport(router, { requestTimeoutMs: flags.commandTimeout, retryTimeoutMs: flags.commandTimeout, ...(auth ? { auth } : {}) });
  let closed = false;
  const views: RegistryView[] = [];
  try {
    await transport.findHealthyMember(flags.dialTimeout);
    if (auth) await transport.logIn();
  } catch (e) {
    await transport.close();
    throw e;
  }
  const kv = remoteKv(transport, () => closed);
  return {
    transport,
    kv,
    writer: new RegistryWriter(kv),
    async view(onWatchError) {
      const view = new RegistryView(kv, remoteWatch(transport, onWatchError));
      views.push(view);
      await view.start();
      return view;
    },
    async close() {
      closed = true;
      for (const v of views) v.close();
      await transport.close();
    },
  };
}

/** The TLS options the --cacert, --cert and --key files give; undefined when none is given. */
export async function tlsOptions(flags: ConnectionFlags): Promise<ClientTlsOptions | undefined> {
  const read = (path: string | undefined): Promise<Buffer | undefined> => (path === undefined ? Promise.resolve(undefined) : readFile(path));
  const [ca, cert, key] = await Promise.all([read(flags.cacert), read(flags.cert), read(flags.key)]);
  if (!ca && !cert && !key) return undefined;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
