// A closed-loop load generator for etcd's KV API: `concurrency` workers each issue one request at a
// time for `seconds`, over gRPC connections spread across the endpoints; it reports throughput and
// latency percentiles. The same generator drives Lodestone and real etcd, so figures compare. It can
// dial https client URLs with a client certificate, and log in as a user (simple tokens: one login
// per connection, at that connection's member; the token goes with every request, as etcd's clients
// send it).
import { credentials as grpcCredentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { percentile } from './tool/stats.js';
import { createEtcdClient, type AuthenticateResponse, type ServiceClient } from '../rpc/etcd-api.js';

export type LoadOp = 'put' | 'get-linearizable' | 'get-serializable';

export interface LoadResult {
  readonly op: LoadOp;
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The first error, when there were any. */
  readonly firstError?: string;
}

/** One connection to one member, and what each request on it carries. */
export interface LoadClient {
  readonly kv: ServiceClient<'KV'>;
  /** The token of this connection's login (none without auth). */
  readonly token?: string;
}

export interface ConnectOptions {
  /** Connections, spread across the endpoints (one per endpoint by default). */
  readonly connections?: number;
  /** What the endpoints are dialed with (plaintext by default). */
  readonly credentials?: ChannelCredentials;
  /** Log in as this user on each connection and send its token with every request. */
  readonly auth?: { readonly user: string; readonly password: string };
}

/** One client connection per endpoint (as etcd's benchmark tool shares few connections among many workers). */
export async function connect(endpoints: readonly string[], options: ConnectOptions = {}): Promise<LoadClient[]> {
  const credentials = options.credentials ?? grpcCredentials.createInsecure();
  const count = options.connections ?? endpoints.length;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const endpoint = endpoints[i % endpoints.length]!;
      const kv = createEtcdClient('KV', endpoint, { credentials, channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
      if (!options.auth) return { kv };
      try {
        return { kv, token: await logIn(endpoint, credentials, options.auth) };
      } catch (e) {
        kv.close();
        throw e;
      }
    }),
  );
}

/** Authenticate at `endpoint`: a simple token, valid on every member once they have applied the login. */
async function logIn(endpoint: string, credentials: ChannelCredentials, auth: { readonly user: string; readonly password: string }): Promise<string> {
  const client = createEtcdClient('Auth', endpoint, { credentials });
  try {
    const res = await new Promise<AuthenticateResponse>((resolve, reject) =>
      client.Authenticate({ name: auth.user, password: auth.password }, new Metadata(), { deadline: Date.now() + 10_000 }, (err: ServiceError | null, r?: AuthenticateResponse) =>
        err ? reject(new Error(`login as ${auth.user} at ${endpoint}: ${err.details}`)) : r ? resolve(r) : reject(new Error('empty response')),
      ),
    );
    return res.token;
  } finally {
    client.close();
  }
}

export async function runLoad(
  clients: readonly LoadClient[],
  op: LoadOp,
  concurrency: number,
  seconds: number,
  valueBytes = 256,
): Promise<LoadResult> {
  const value = Buffer.alloc(valueBytes, 0x61);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + seconds * 1000;
  const once = (client: LoadClient, key: Buffer): Promise<void> =>
    new Promise((resolve) => {
      const cb = (err: ServiceError | null): void => {
        if (err) {
          errors++;
          firstError ??= err.details || err.message;
        }
        resolve();
      };
      // A fresh Metadata for each request, as grpc-js makes when given none.
      const md = new Metadata();
      if (client.token !== undefined) md.set('token', client.token);
      if (op === 'put') client.kv.Put({ key, value }, md, cb);
      else client.kv.Range({ key, serializable: op === 'get-serializable' }, md, cb);
    });
  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length]!;
    let n = 0;
    while (performance.now() < deadline) {
      const key = Buffer.from(`bench/${w}/${n++ % 1000}`);
      const t0 = performance.now();
      await once(client, key);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    op,
    concurrency,
    requests: latencies.length,
    errors,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

export function closeAll(clients: readonly LoadClient[]): void {
  for (const c of clients) c.kv.close();
}
