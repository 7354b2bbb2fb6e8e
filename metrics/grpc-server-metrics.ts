// The gRPC server metrics etcd exports through go-grpc-prometheus — grpc_server_started_total,
// grpc_server_handled_total, grpc_server_msg_received_total, grpc_server_msg_sent_total — with its
// labels (grpc_type, grpc_service, grpc_method, grpc_code), counted by a grpc-js server interceptor.
// An interceptor rather than wrapped handlers: it sees every call the server runs, and the status
// the client is actually sent — a handler's error, a deadline the server enforced, a cancellation.
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import { ETCD_METHOD_KINDS, ETCD_SERVICE_FULL_NAMES, type EtcdServiceName, type MethodKind } from '../rpc/etcd-api-methods.js';

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
type MethodLabels = { grpc_method: string; grpc_service: string; grpc_type: GrpcType };

/** Go's names of the gRPC codes (codes.Code.String()), which go-grpc-prometheus puts in grpc_code. */
const CODE_NAMES: readonly string[] = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable',
  'DataLoss', 'Unauthenticated',
];

const TYPE_OF_KIND: Readonly<Record<MethodKind, GrpcType>> = {
  unary: 'unary',
  'server-streaming': 'server_stream',
  'bidi-streaming': 'bidi_stream',
};

/** etcd registers its counters once its etcdserverpb services are on the server; Lock and Election come later. */
const PREREGISTERED: readonly EtcdServiceName[] = ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'];

/** One method's counts, kept as plain numbers: a request pays an increment, a scrape the rest. */
interface MethodCounts {
  readonly labels: MethodLabels;
  started: number;
  received: number;
  sent: number;
  /** By gRPC code. */
  readonly handled: number[];
}

export class GrpcServerMetrics {
  /** By method path and type. */
  private readonly methods = new Map<string, MethodCounts>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
    const counts = (): Iterable<MethodCounts> => this.methods.values();
    new Counter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const m of counts()) this.inc(m.labels, m.started);
      },
    });
    new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers,
      collect() {
        this.reset();
        for (const m of counts()) m.handled.forEach((n, code) => this.inc({ grpc_code: CODE_NAMES[code]!, ...m.labels }, n));
      },
    });
    new Counter({
      name: 'grpc_server_msg_received_total',
      help: 'Total number of RPC stream messages received on the server.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const m of counts()) this.inc(m.labels, m.received);
      },
    });
    new Counter({
      name: 'grpc_server_msg_sent_total',
      help: 'Total number of gRPC stream messages sent by the server.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const m of counts()) this.inc(m.labels, m.sent);
      },
    });
    // As go-grpc-prometheus: every method of the registered services shows from the start, at zero,
    // so that a rate over a first call is not lost.
    for (const service of PREREGISTERED) {
      for (const [method, kind] of Object.entries(ETCD_METHOD_KINDS[service]) as [string, MethodKind][]) {
        this.countsOf(`/${ETCD_SERVICE_FULL_NAMES[service]}/${method}`, TYPE_OF_KIND[kind]);
      }
    }
  }

  private countsOf(path: string, type: GrpcType): MethodCounts {
    const key = `${type} ${path}`;
    let m = this.methods.get(key);
    if (m === undefined) {
      m = { labels: methodLabels(path, type), started: 0, received: 0, sent: 0, handled: CODE_NAMES.map(() => 0) };
      this.methods.set(key, m);
    }
    return m;
  }

  /** The interceptor to give the gRPC server (its `interceptors` option). */
  readonly interceptor: ServerInterceptor = (method, call) => {
    const type: GrpcType = method.requestStream
      ? method.responseStream ? 'bidi_stream' : 'client_stream'
      : method.responseStream ? 'server_stream' : 'unary';
    const counts = this.countsOf(method.path, type);
    counts.started++;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      // An unknown code counts as Unknown, as Go's codes.Code.String() would name it otherwise.
      counts.handled[code >= 0 && code < CODE_NAMES.length ? code : status.UNKNOWN]!++;
    };
    const responder = new ResponderBuilder()
      .withStart((next) => {
        next(
          new ServerListenerBuilder()
            .withOnReceiveMessage((message, nextMessage) => {
              counts.received++;
              nextMessage(message);
            })
            .withOnCancel(() => finish(cancelCode(call)))
            .build(),
        );
      })
      .withSendMessage((message, nextMessage) => {
        counts.sent++;
        nextMessage(message);
      })
      .withSendStatus((st, nextStatus) => {
        finish(st.code);
        nextStatus(st);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}

/** "/etcdserverpb.KV/Range" → its labels, in the order Prometheus sorts them. */
function methodLabels(path: string, type: GrpcType): MethodLabels {
  const at = path.lastIndexOf('/');
  return { grpc_method: path.slice(at + 1), grpc_service: path.slice(1, at), grpc_type: type };
}

/** A call ended without a status from the handler: its deadline passed, or the client went away. */
function cancelCode(call: ServerInterceptingCallInterface): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return at <= Date.now() ? status.DEADLINE_EXCEEDED : status.CANCELLED;
}
