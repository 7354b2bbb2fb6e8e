// A raw Watch stream for protocol tests: requests written as etcd's messages, responses taken one
// at a time in arrival order. Nothing here waits on a clock; a test that expects nothing more to
// come asks for progress and expects the progress answer next.
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { createEtcdClient, type Outgoing, type ServiceClient, type WatchCreateRequest, type WatchRequest, type WatchResponse } from '../../rpc/etcd-api.js';

export class RawWatchStream {
  readonly stream: ClientDuplexStream<Outgoing<WatchRequest>, WatchResponse>;
  private readonly arrived: WatchResponse[] = [];
  private waiting: ((r: WatchResponse) => void) | undefined;
  /** The status the stream ended with, once it has. */
  error: { code?: number; details?: string } | undefined;

  constructor(client: ServiceClient<'Watch'>) {
    this.stream = client.Watch();
    this.stream.on('data', (r: WatchResponse) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(r);
      else this.arrived.push(r);
    });
    this.stream.on('error', (e: { code?: number; details?: string }) => {
      this.error = e;
    });
  }

  create(request: Outgoing<WatchCreateRequest>): void {
    this.stream.write({ create_request: request });
  }

  cancel(watchId: string): void {
    this.stream.write({ cancel_request: { watch_id: watchId } });
  }

  requestProgress(): void {
    this.stream.write({ progress_request: {} });
  }

  next(): Promise<WatchResponse> {
    const r = this.arrived.shift();
    if (r) return Promise.resolve(r);
    if (this.waiting) throw new Error('next() is already waiting');
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The next `count` responses. */
  async take(count: number): Promise<WatchResponse[]> {
    const out: WatchResponse[] = [];
    while (out.length < count) out.push(await this.next());
    return out;
  }

  close(): void {
    this.stream.cancel();
  }
}

export function watchClient(address: string, options: { ownConnection?: boolean } = {}): ServiceClient<'Watch'> {
  // A connection of its own: a paused reader then fills only its own HTTP/2 window.
  return createEtcdClient('Watch', address, options.ownConnection ? { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } } : {});
}
