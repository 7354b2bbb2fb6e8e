// The key-value operations of the workload over etcd's gRPC API, and what each error means for the
// history: a write that may have taken effect is `unknown`, one known not to have is `fail`.
import { credentials, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import {
  createEtcdClient,
  type DeleteRangeResponse,
  type PutResponse,
  type RangeResponse,
  type ServiceClient,
  type TxnResponse,
} from '../../rpc/etcd-api.js';
import type { KvInput, KvOutput } from '../linearizability/index.js';

/** Channel options for a client that must notice a restarted member soon after it is back. */
export const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
} as const;

/** A KV client for one member; `creds` reach an https client URL (plaintext by default). */
export function openKv(endpoint: string, creds: ChannelCredentials = credentials.createInsecure()): ServiceClient<'KV'> {
  return createEtcdClient('KV', endpoint, { channelOptions: CHANNEL_OPTIONS, credentials: creds });
}

/** The response's header fields the history keeps beside the output. */
export interface Answer {
  readonly output: KvOutput;
  /** The store revision in the response header. */
  readonly revision: string;
  /** The answering member's id (hex). */
  readonly memberId: string;
}

export interface CallSettings {
  readonly timeoutMs: number;
  /** Range with serializable: true (answered from the member's own state: not linearizable). */
  readonly serializableReads?: boolean;
}

function unary<Res>(invoke: (md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Res) => void) => void, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(err);
      else if (res === undefined) reject(new Error('empty response'));
      else resolve(res);
    });
  });
}

function headerOf(h: { revision: string; member_id: string } | null): { revision: string; memberId: string } {
  return { revision: h?.revision ?? '0', memberId: h ? BigInt(h.member_id).toString(16) : '0' };
}

/** Runs one operation; throws the gRPC error on failure (see classifyError). */
export async function runKvOperation(kv: ServiceClient<'KV'>, input: KvInput, settings: CallSettings): Promise<Answer> {
  const key = Buffer.from(input.key);
  const t = settings.timeoutMs;
  switch (input.type) {
    case 'get': {
      const res = await unary<RangeResponse>(
        (md, o, cb) => kv.Range({ key, serializable: settings.serializableReads ?? false }, md, o, cb),
        t,
      );
      const value = res.kvs[0]?.value.toString() ?? null;
      return { output: { type: 'get', value }, ...headerOf(res.header) };
    }
    case 'put': {
      const res = await unary<PutResponse>(
        (md, o, cb) => kv.Put({ key, value: Buffer.from(input.value) }, md, o, cb),
        t,
      );
      return { output: { type: 'put' }, ...headerOf(res.header) };
    }
    case 'delete': {
      const res = await unary<DeleteRangeResponse>((md, o, cb) => kv.DeleteRange({ key }, md, o, cb), t);
      return { output: { type: 'delete', deleted: Number(res.deleted) }, ...headerOf(res.header) };
    }
    case 'cas': {
      // "Absent" is version 0; a value comparison on a missing key is false in etcd.
      const compare =
        input.expected === null
          ? { result: 'EQUAL' as const, target: 'VERSION' as const, key, version: '0' }
          : { result: 'EQUAL' as const, target: 'VALUE' as const, key, value: Buffer.from(input.expected) };
      const res = await unary<TxnResponse>(
        (md, o, cb) =>
          kv.Txn({ compare: [compare], success: [{ request_put: { key, value: Buffer.from(input.value) } }], failure: [] }, md, o, cb),
        t,
      );
      return { output: { type: 'cas', succeeded: res.succeeded }, ...headerOf(res.header) };
    }
    default:
      return assertNever(input);
  }
}

/** Status codes etcd answers only for a request it rejected before proposing it. */
const DEFINITE_CODES = new Set<number>([
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.RESOURCE_EXHAUSTED,
  status.OUT_OF_RANGE,
  status.NOT_FOUND,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.UNIMPLEMENTED,
]);

/**
 * What an error on a write means:
 * - `fail`: known not to have taken effect — a status etcd gives only to requests it refused up front;
 *   "etcdserver: no leader" (the member never got the proposal into Raft); or a request that never
 *   left the client (grpc-js: "No connection established", the channel had no connection to send on).
 * - `unknown`: anything else — a deadline, a dropped connection, "request timed out", "leader
 *   changed", "server stopped": the proposal may be in the log and may yet be applied.
 */
export function classifyError(err: unknown): 'fail' | 'unknown' {
  if (!isServiceError(err)) return 'unknown';
  if (DEFINITE_CODES.has(err.code)) return 'fail';
  if (err.code === status.UNAVAILABLE) {
    if (err.details === 'etcdserver: no leader') return 'fail';
    if (err.details.startsWith('No connection established')) return 'fail';
  }
  return 'unknown';
}

/** A short description of an error for the history. */
export function describeError(err: unknown): string {
  if (isServiceError(err)) return `${status[err.code] ?? err.code}: ${err.details}`;
  return err instanceof Error ? err.message : String(err);
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && typeof (err as Partial<ServiceError>).details === 'string';
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected operation ${JSON.stringify(value)}`);
}
