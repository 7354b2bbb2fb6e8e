// How a `lodestone config` command reaches the cluster: the same --endpoints, TLS and --user flags as
// `lodestone service` (etcdctl's), one typed client connected to the first member that answers and
// knows a leader, and its config center API (which goes on to the next member when one is unreachable).
import type { ConfigCenterAdmin } from '../../client/config-center/admin-client.js';
import { connect } from '../../client/connect.js';
import { userCredentials, tlsOptions, type ConnectionFlags } from '../service/connection.js';

export async function withConfigCenter<T>(flags: ConnectionFlags, use: (admin: ConfigCenterAdmin) => Promise<T>): Promise<T> {
  const tls = await tlsOptions(flags);
  const auth = userCredentials(flags);
  const client = await connect({
    endpoints: flags.endpoints,
    requestTimeoutMs: flags.commandTimeout,
    retryTimeoutMs: flags.commandTimeout,
    connectTimeoutMs: flags.dialTimeout,
    ...(tls ? { tls } : {}),
    ...(auth ? { auth } : {}),
  });
  try {
    return await use(client.configCenter);
  } finally {
    await client.close();
  }
}
