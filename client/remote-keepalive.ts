// Lease renewals over etcd's LeaseKeepAlive stream: one stream, on the member the router picks, for
// every lease of the client. Answers come in order; each is matched to the oldest renewal waiting for
// that lease. When the stream breaks (its member died) or an answer is late (its member is stuck),
// every waiting renewal fails, the member is set aside, and the next renewal opens a stream on
// another member — so keepalives survive a member's failure.
import type { ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import type * as pb from '../rpc/etcd-api.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { Endpoint, EndpointRouter } from './endpoint-router.js';
import { ClientError } from './errors.js';
import { fromGrpcError } from './grpc-errors.js';
import { blamesMember } from './retry.js';

interface Waiter {
  readonly resolve: (ttl: number) => void;
  readonly reject: (e: Error) => void;
}

interface Stream {
  readonly endpoint: Endpoint;
  readonly call: ClientDuplexStream<pb.Outgoing<pb.LeaseKeepAliveRequest>, pb.LeaseKeepAliveResponse>;
  readonly waiting: Map<string, Waiter[]>;
}

export class RemoteKeepAlive {
  private stream: Stream | undefined;

  constructor(
    private readonly router: EndpointRouter,
    private readonly timeoutMs: number,
    /** Each stream's metadata: the client's token as it is when the stream opens. */
    private readonly metadata: () => Metadata,
  ) {}

  /** Renews the lease once; resolves with its TTL (0: the lease is gone). */
  keepAlive(id: bigint): Promise<number> {
    const s = this.open();
    const key = id.toString();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => this.broken(s, new EtcdError('ETCD_DEADLINE_EXCEEDED')), this.timeoutMs);
      const waiter: Waiter = {
        resolve: (ttl) => {
          clearTimeout(timer);
          resolve(ttl);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const queue = s.waiting.get(key);
      if (queue) queue.push(waiter);
      else s.waiting.set(key, [waiter]);
      s.call.write({ ID: key });
    });
  }

  close(): void {
    if (this.stream) this.broken(this.stream, new ClientError('LODESTONE_CLIENT_CLOSED', 'the client is closed'));
  }

  private open(): Stream {
    if (this.stream) return this.stream;
    const endpoint = this.router.pick();
    const call = endpoint.client('Lease').LeaseKeepAlive(this.metadata());
    const s: Stream = { endpoint, call, waiting: new Map() };
    this.stream = s;
    call.on('data', (res: pb.LeaseKeepAliveResponse) => {
      const queue = s.waiting.get(res.ID);
      const waiter = queue?.shift();
      if (queue && queue.length === 0) s.waiting.delete(res.ID);
      this.router.succeeded(endpoint);
      waiter?.resolve(Number(res.TTL));
    });
    call.on('error', (e: unknown) => this.broken(s, fromGrpcError(e)));
    call.on('end', () => this.broken(s, new ClientError('LODESTONE_UNAVAILABLE', 'the keepalive stream ended', { sent: true })));
    return s;
  }

  private broken(s: Stream, error: Error): void {
    if (this.stream !== s) return;
    this.stream = undefined;
    if (blamesMember(error)) this.router.failed(s.endpoint);
    s.call.removeAllListeners('data');
    s.call.cancel();
    for (const queue of s.waiting.values()) for (const w of queue) w.reject(error);
    s.waiting.clear();
  }
}
