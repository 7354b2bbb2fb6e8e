// The client-facing gRPC server: etcd's services on the member's client URLs.
import { Server, ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AuthBackend } from './auth-backend.js';
import { authService } from './auth-service.js';
import { addEtcdService } from './etcd-api.js';
import { clusterService } from './cluster-service.js';
import { electionService } from './election-service.js';
import { EtcdError } from './etcd-errors.js';
import type { KvBackend } from './kv-backend.js';
import { kvService } from './kv-service.js';
import type { LeaseBackend } from './lease-backend.js';
import { leaseService } from './lease-service.js';
import { lockService } from './lock-service.js';
import { maintenanceService } from './maintenance-service.js';
import type { ClusterBackend } from './member-backend.js';
import type { ServerTls } from './tls-config.js';
import { SecureListener } from './tls-listener.js';
import type { WatchBackend } from './watch-backend.js';
import { watchService } from './watch-service.js';

/** etcd lets a request be this much larger than --max-request-bytes at the gRPC layer (headers, framing). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** Where to listen: "host:port" (plaintext; port 0 picks a free one), or that with TLS (an https URL). */
export type ListenSpec = string | { readonly address: string; readonly tls: ServerTls };

export interface ClientServerOptions {
  readonly listen: readonly ListenSpec[];
  readonly maxRequestBytes: number;
  readonly kv: KvBackend;
  readonly cluster: ClusterBackend;
  /** Serves etcd's Watch service; with `lease` too, also the Lock and Election services. */
  readonly watch?: WatchBackend;
  /** Serves etcd's Lease service; with `watch` too, also the Lock and Election services. */
  readonly lease?: LeaseBackend;
  /** Serves etcd's Auth service, and makes the other services check what etcd checks. */
  readonly auth?: AuthBackend;
  /** etcd's --experimental-watch-progress-notify-interval (10 minutes when absent). */
  readonly watchProgressNotifyIntervalMs?: number;
  /** Run around every call (the member's gRPC metrics count calls this way). */
  readonly interceptors?: readonly ServerInterceptor[];
  readonly logger: Logger;
}

export class ClientServer {
  private readonly server: Server;
  private boundPorts: number[] = [];
  private readonly secure: SecureListener[] = [];

  constructor(private readonly options: ClientServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      // etcd clients keep connections alive with pings; allow them like etcd does.
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5000,
      interceptors: [...(options.interceptors ?? [])],
    });
    const { kv, watch, lease, auth } = options;
    addEtcdService(this.server, 'KV', kvService(options.kv));
    addEtcdService(this.server, 'Cluster', clusterService(options.kv, options.cluster, auth));
    addEtcdService(this.server, 'Maintenance', maintenanceService(options.kv, options.cluster, auth));
    if (auth) addEtcdService(this.server, 'Auth', authService(auth, kv, () => options.cluster.status().revision));
    if (watch) {
      addEtcdService(this.server, 'Watch', watchService(watch, {
        ...(auth ? { auth } : {}),
        // etcd splits a fragment=true watcher's responses at the largest request it accepts.
        maxResponseBytes: options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
        ...(options.watchProgressNotifyIntervalMs !== undefined ? { progressNotifyIntervalMs: options.watchProgressNotifyIntervalMs } : {}),
        // etcd 3.4 serves a learner no stream.
        refuseStream: () => {
          if (options.cluster.status().isLearner) throw new EtcdError('ETCD_NOT_SUPPORTED_FOR_LEARNER');
        },
      }));
    }
    if (lease) addEtcdService(this.server, 'Lease', leaseService(lease, kv));
    if (watch && lease) {
      addEtcdService(this.server, 'Lock', lockService({ kv, watch, lease }));
      addEtcdService(this.server, 'Election', electionService({ kv, watch, lease }));
    }
  }

  get ports(): readonly number[] {
    return this.boundPorts;
  }

  async start(): Promise<void> {
    for (const spec of this.options.listen) {
      if (typeof spec !== 'string') {
        const listener = await SecureListener.listen({ address: spec.address, tls: spec.tls, grpc: this.server, logger: this.options.logger });
        this.secure.push(listener);
        this.boundPorts.push(listener.port);
        continue;
      }
      const port = await new Promise<number>((resolve, reject) => {
        this.server.bindAsync(spec, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
      });
      this.boundPorts.push(port);
    }
  }

  /**
   * Stops accepting calls and lets unary calls in flight finish. Streams (watches, keepalives) never
   * end on their own, so after a short grace they are cut: clients reconnect to another member.
   */
  async close(graceMs = 500): Promise<void> {
    await Promise.all(this.secure.map((l) => l.close()));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
