// The client-facing server: etcd's services on the member's client URLs, over gRPC and, on the same
// ports, over HTTP/1.1 (the handlers given, then etcd's JSON gateway), as etcd serves them.
import { Server, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AuthBackend } from './auth-backend.js';
import { authService } from './auth-service.js';
import { addEtcdService, type EtcdServiceName, type ServiceHandlers } from './etcd-api.js';
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
import { jsonGateway } from './gateway.js';
import { etcdAccess } from './http-access.js';
import type { Socket } from 'node:net';
import type { ConnectionSink } from './connection-sink.js';
import { HttpFront } from './http-front.js';
import type { HttpHandler } from './http-handler.js';
import { PlainListener } from './plain-listener.js';
import { SharedPort } from './shared-port.js';
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
  /** Tried in order for each HTTP/1.1 request, before etcd's JSON gateway (/health, /metrics, …). */
  readonly httpHandlers?: readonly HttpHandler[];
  /**
   * Listeners of HTTP/1.1 alone (the console's own port, --listen-console-urls): `handlers` first,
   * then everything the client port's HTTP/1.1 serves.
   */
  readonly httpOnly?: { readonly listen: readonly ListenSpec[]; readonly handlers: readonly HttpHandler[] };
  /** Run around every call (the member's gRPC metrics count calls this way). */
  readonly interceptors?: readonly ServerInterceptor[];
  readonly logger: Logger;
}

export class ClientServer {
  private readonly server: Server;
  private readonly http: HttpFront;
  private readonly connections: SharedPort;
  private readonly httpOnly: { front: HttpFront; sink: HttpOnlySink } | undefined;
  private boundPorts: number[] = [];
  private boundHttpOnlyPorts: number[] = [];
  private readonly listeners: (PlainListener | SecureListener)[] = [];

  constructor(private readonly options: ClientServerOptions) {
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      // etcd clients keep connections alive with pings; allow them like etcd does.
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5000,
      // Channelz's per-call bookkeeping costs every request, and nothing here reads it.
      'grpc.enable_channelz': 0,
      interceptors: [...(options.interceptors ?? [])],
    });
    const { kv, watch, lease, auth } = options;
    // The same handlers serve gRPC and the JSON gateway.
    const services: { -readonly [Name in EtcdServiceName]?: ServiceHandlers<Name> } = {};
    const serve = <Name extends EtcdServiceName>(name: Name, handlers: ServiceHandlers<Name>): void => {
      addEtcdService(this.server, name, handlers);
      (services as Record<Name, ServiceHandlers<Name>>)[name] = handlers;
    };
    serve('KV', kvService(options.kv));
    serve('Cluster', clusterService(options.kv, options.cluster, auth));
    serve('Maintenance', maintenanceService(options.kv, options.cluster, auth));
    if (auth) serve('Auth', authService(auth, kv, () => options.cluster.status().revision));
    if (watch) {
      serve('Watch', watchService(watch, {
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
    if (lease) serve('Lease', leaseService(lease, kv));
    if (watch && lease) {
      serve('Lock', lockService({ kv, watch, lease }));
      serve('Election', electionService({ kv, watch, lease }));
    }
    const access = etcdAccess({
      clientCertAuth: options.listen.some((spec) => typeof spec !== 'string' && spec.tls.clientCertAuth),
      authEnabled: () => auth?.isEnabled() ?? false,
    });
    const gateway = jsonGateway({ services, maxRequestBytes: options.maxRequestBytes + GRPC_OVERHEAD_BYTES, logger: options.logger });
    this.http = new HttpFront([access, ...(options.httpHandlers ?? []), gateway], options.logger);
    this.connections = new SharedPort(this.server, this.http);
    if (options.httpOnly) {
      const front = new HttpFront([access, ...options.httpOnly.handlers, ...(options.httpHandlers ?? []), gateway], options.logger);
      this.httpOnly = { front, sink: new HttpOnlySink(front) };
    }
  }

  get ports(): readonly number[] {
    return this.boundPorts;
  }

  /** The ports of the HTTP/1.1-only listeners, in the order given. */
  get httpOnlyPorts(): readonly number[] {
    return this.boundHttpOnlyPorts;
  }

  async start(): Promise<void> {
    for (const spec of this.options.listen) this.boundPorts.push(await this.listenOn(spec, this.connections));
    if (this.httpOnly) for (const spec of this.options.httpOnly?.listen ?? []) this.boundHttpOnlyPorts.push(await this.listenOn(spec, this.httpOnly.sink));
  }

  private async listenOn(spec: ListenSpec, sink: ConnectionSink): Promise<number> {
    const listener =
      typeof spec === 'string'
        ? await PlainListener.listen(spec, sink)
        : await SecureListener.listen({ address: spec.address, tls: spec.tls, sink, logger: this.options.logger });
    this.listeners.push(listener);
    return listener.port;
  }

  /**
   * Stops accepting calls and lets unary calls in flight finish. Streams (watches, keepalives) never
   * end on their own, so after a short grace they are cut: clients reconnect to another member.
   * Idle HTTP/1.1 connections are closed at once.
   */
  async close(graceMs = 500): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
    this.connections.close();
    const grpcDone = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await Promise.all([grpcDone, this.http.close(graceMs), this.httpOnly?.front.close(graceMs)]);
  }
}

/** Hands every connection to an HTTP/1.1 server: a port that serves no gRPC. */
class HttpOnlySink implements ConnectionSink {
  readonly alpn = { ALPNProtocols: ['http/1.1'] };

  constructor(private readonly front: HttpFront) {}

  accept(socket: Socket): void {
    this.front.accept(socket);
  }

  close(): void {}
}
