// Which member a remote client talks to. It stays with one member while that member answers; a
// member that fails a call (unreachable, no leader, timed out) is set aside for a back-off that grows
// with its consecutive failures, and the next member of the list that is not set aside is used.
// When every member is set aside, the one whose back-off ends first is tried.
import { Channel, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { createEtcdClient, type EtcdServiceName, type ServiceClient } from '../rpc/etcd-api.js';
import { ClientTls } from './client-tls.js';
import { ClientError } from './errors.js';

/** grpc-js reconnects slowly by default (1 s, up to 2 min): a restarted member should be found again soon. */
const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5000,
  'grpc.max_receive_message_length': -1,
};

export class Endpoint {
  readonly channel: Channel;
  private readonly clients = new Map<EtcdServiceName, ServiceClient<EtcdServiceName>>();
  failures = 0;
  asideUntil = 0;

  constructor(
    readonly address: string,
    credentials: ChannelCredentials,
    /** Whether the member is reached over TLS (its HTTP side too: https://). */
    readonly tls = false,
  ) {
    this.channel = new Channel(address, credentials, CHANNEL_OPTIONS);
  }

  /** A client of one etcd service on this member's connection. */
  client<Name extends EtcdServiceName>(name: Name): ServiceClient<Name> {
    let c = this.clients.get(name);
    if (c === undefined) {
      c = createEtcdClient(name, this.address, { channelOptions: { channelOverride: this.channel } });
      this.clients.set(name, c);
    }
    return c as ServiceClient<Name>;
  }

  close(): void {
    this.channel.close();
  }
}

/** "http://127.0.0.1:2379", "https://127.0.0.1:2379", "127.0.0.1:2379" → "127.0.0.1:2379". */
export function endpointAddress(endpoint: string): string {
  return parseEndpoint(endpoint).address;
}

/** An endpoint's address and its URL's scheme ('' for a bare host:port). */
export function parseEndpoint(endpoint: string): { address: string; scheme: 'http' | 'https' | '' } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    const u = new URL(endpoint);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ClientError('LODESTONE_INVALID_ARGUMENT', `endpoint ${endpoint}: only http:// and https:// are supported`);
    return { address: `${u.hostname}:${u.port || '2379'}`, scheme: u.protocol === 'https:' ? 'https' : 'http' };
  }
  if (!/^[^:/]+:\d+$/.test(endpoint) && !/^\[[0-9a-f:]+\]:\d+$/i.test(endpoint)) {
    throw new ClientError('LODESTONE_INVALID_ARGUMENT', `endpoint ${endpoint} is not host:port, http://host:port or https://host:port`);
  }
  return { address: endpoint, scheme: '' };
}

export class EndpointRouter {
  readonly endpoints: readonly Endpoint[];
  private current = 0;

  constructor(
    endpoints: readonly string[],
    private readonly now: () => number = Date.now,
    /** The TLS every endpoint is dialed with (its HTTP side too). */
    readonly tls: ClientTls = new ClientTls(undefined),
  ) {
    if (endpoints.length === 0) throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'at least one endpoint is needed');
    const byAddress = new Map(endpoints.map(parseEndpoint).map((e) => [e.address, e.scheme] as const));
    this.endpoints = [...byAddress].map(([address, scheme]) => new Endpoint(address, tls.forScheme(scheme), tls.usesTls(scheme)));
  }

  /** Every member, the one pick() returns now first, then the others in their order after it. */
  inOrder(): Endpoint[] {
    const first = this.endpoints.indexOf(this.pick());
    return this.endpoints.map((_e, i) => this.endpoints[(first + i) % this.endpoints.length]!);
  }

  /** The member to send the next call to. */
  pick(): Endpoint {
    const now = this.now();
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const e = this.endpoints[(this.current + i) % n]!;
      if (e.asideUntil <= now) {
        this.current = (this.current + i) % n;
        return e;
      }
    }
    let soonest = 0;
    for (let i = 1; i < n; i++) if (this.endpoints[i]!.asideUntil < this.endpoints[soonest]!.asideUntil) soonest = i;
    this.current = soonest;
    return this.endpoints[soonest]!;
  }

  /** The member pick() would return now, without moving on from one set aside. */
  peek(): Endpoint {
    return this.endpoints[this.current]!;
  }

  /** Prefer this member from now on (it answered a health check). */
  prefer(e: Endpoint): void {
    const i = this.endpoints.indexOf(e);
    if (i >= 0) this.current = i;
  }

  succeeded(e: Endpoint): void {
    e.failures = 0;
    e.asideUntil = 0;
  }

  /** The member failed a call in a way that says something about it: try the others first. */
  failed(e: Endpoint): void {
    e.failures++;
    e.asideUntil = this.now() + Math.min(5000, 100 * 2 ** Math.min(e.failures - 1, 10));
    if (this.endpoints[this.current] === e) this.current = (this.current + 1) % this.endpoints.length;
  }

  close(): void {
    for (const e of this.endpoints) e.close();
  }
}
