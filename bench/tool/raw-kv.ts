// A lean KV client for the load loop: requests are encoded once, when a workload prepares, and
// sent as bytes; responses are not decoded (the loop needs only success or failure). grpc-js's
// generic client encodes and decodes a full object per call, and on a 2-core machine shared with
// the members that costs the load generator about as much CPU as it saves the server.
import { Client, credentials, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { etcdServiceDefinition, type Outgoing, type PutRequest, type RangeRequest, type TxnRequest } from '../../rpc/etcd-api.js';

const KV = etcdServiceDefinition('KV');
const PATHS = { Put: '/etcdserverpb.KV/Put', Range: '/etcdserverpb.KV/Range', Txn: '/etcdserverpb.KV/Txn' } as const;
const bytes = (b: Buffer): Buffer => b;

export type KvMethod = keyof typeof PATHS;

/** One request in wire bytes, ready to be sent any number of times. */
export interface Encoded {
  readonly method: KvMethod;
  readonly bytes: Buffer;
}

export function encodePut(request: Outgoing<PutRequest>): Encoded {
  return { method: 'Put', bytes: KV.Put.requestSerialize(request as PutRequest) };
}

export function encodeRange(request: Outgoing<RangeRequest>): Encoded {
  return { method: 'Range', bytes: KV.Range.requestSerialize(request as RangeRequest) };
}

export function encodeTxn(request: Outgoing<TxnRequest>): Encoded {
  return { method: 'Txn', bytes: KV.Txn.requestSerialize(request as TxnRequest) };
}

/** One connection (its own subchannel) to one member's KV service. */
export class RawKv {
  private readonly client: Client;

  constructor(readonly endpoint: string) {
    // Channelz off: its per-call bookkeeping is load-generator CPU that nothing reads.
    this.client = new Client(endpoint, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.enable_channelz': 0 });
  }

  send(request: Encoded, md: Metadata, done: (err: ServiceError | null) => void, deadline?: number): void {
    this.client.makeUnaryRequest(PATHS[request.method], bytes, bytes, request.bytes, md, deadline === undefined ? {} : { deadline }, (err) => done(err));
  }

  close(): void {
    this.client.close();
  }
}
