// A client's deadline and cancellation reach the member: each backend method that may wait is
// handed the call's options, whose signal fires when the client cancels or its deadline passes,
// and whose deadline is the client's. A fake backend that waits until told (or until the signal
// fires) records what it was given.
import { EventEmitter } from 'node:events';
import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallOptions, CallSignal } from '../../rpc/call-options.js';
import { addEtcdService, createEtcdClient, type ServiceClient } from '../../rpc/etcd-api.js';
import { EtcdError } from '../../rpc/etcd-errors.js';
import type { HeaderFields } from '../../rpc/kv-convert.js';
import type { KvBackend } from '../../rpc/kv-backend.js';
import { kvService } from '../../rpc/kv-service.js';
import type { LeaseBackend, LeaseGrantResult, LeaseTimeToLiveResult } from '../../rpc/lease-backend.js';
import { leaseService } from '../../rpc/lease-service.js';
import { lockService } from '../../rpc/lock-service.js';
import { unary } from '../../rpc/unary.js';
import type { Watcher, WatchBackend } from '../../rpc/watch-backend.js';
import type * as st from '../../store/mvcc/types.js';

interface Waiting {
  readonly method: string;
  readonly options: CallOptions | undefined;
  release(): void;
}

/** Every request waits, as a write waits to be applied, until released or until its signal fires. */
class WaitingBackend implements KvBackend, LeaseBackend, WatchBackend {
  readonly calls: Waiting[] = [];
  private arrived: (() => void) | undefined;

  headerFields(): HeaderFields {
    return { clusterId: 1, memberId: 2, raftTerm: 3 };
  }

  currentRevision(): number {
    return 1;
  }

  /** The next request to arrive (or the one already there). */
  async next(index: number): Promise<Waiting> {
    while (this.calls.length <= index) await new Promise<void>((resolve) => (this.arrived = resolve));
    return this.calls[index]!;
  }

  private wait<T>(method: string, options: CallOptions | undefined, answer: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = options?.signal;
      // As the member will: reject with the signal's reason and forget the waiter.
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.calls.push({
        method,
        options,
        release: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(answer);
        },
      });
      this.arrived?.();
    });
  }

  range(_req: st.RangeRequest, _serializable: boolean, options?: CallOptions): Promise<st.RangeResponse> {
    return this.wait('range', options, { revision: 1, kvs: [], more: false, count: 0 });
  }

  readTxn(_req: st.TxnRequest, _serializable: boolean, options?: CallOptions): Promise<st.TxnResponse> {
    return this.wait('readTxn', options, { revision: 1, succeeded: true, responses: [] });
  }

  write<R extends st.WriteRequest>(req: R, options?: CallOptions): Promise<st.ResponseFor<R>> {
    if (req.type !== 'put') throw new Error(`not expected here: ${req.type}`);
    return this.wait('write', options, { type: 'put', response: { revision: 2 } } as st.ResponseFor<R>);
  }

  grant(id: bigint, ttl: number, options?: CallOptions): Promise<LeaseGrantResult> {
    return this.wait('grant', options, { id: id === 0n ? 7n : id, ttl, revision: 1 });
  }

  revoke(_id: bigint, options?: CallOptions): Promise<{ readonly revision: number }> {
    return this.wait('revoke', options, { revision: 1 });
  }

  keepAlive(_id: bigint, options?: CallOptions): Promise<{ readonly ttl: number; readonly revision: number }> {
    return this.wait('keepAlive', options, { ttl: 10, revision: 1 });
  }

  timeToLive(id: bigint, _withKeys: boolean, options?: CallOptions): Promise<LeaseTimeToLiveResult> {
    return this.wait('timeToLive', options, { id, ttl: -1, grantedTtl: 0, keys: [], revision: 1 });
  }

  async leases(): Promise<{ readonly ids: readonly bigint[]; readonly revision: number }> {
    return { ids: [], revision: 1 };
  }

  watch(): Watcher {
    throw new Error('no watches here');
  }
}

function aborted(signal: CallSignal | undefined): Promise<unknown> {
  if (signal === undefined) return Promise.reject(new Error('no signal'));
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

function settled(invoke: (cb: (err: ServiceError | null) => void) => void): Promise<ServiceError | null> {
  return new Promise((resolve) => invoke((err) => resolve(err)));
}

describe('call options through the services', () => {
  let backend: WaitingBackend;
  let server: Server;
  let kv: ServiceClient<'KV'>;
  let lease: ServiceClient<'Lease'>;
  let lock: ServiceClient<'Lock'>;

  beforeEach(async () => {
    backend = new WaitingBackend();
    server = new Server();
    addEtcdService(server, 'KV', kvService(backend));
    addEtcdService(server, 'Lease', leaseService(backend, backend));
    addEtcdService(server, 'Lock', lockService({ kv: backend, lease: backend, watch: backend }));
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
    });
    kv = createEtcdClient('KV', `127.0.0.1:${port}`);
    lease = createEtcdClient('Lease', `127.0.0.1:${port}`);
    lock = createEtcdClient('Lock', `127.0.0.1:${port}`);
  });

  afterEach(() => {
    for (const c of [kv, lease, lock]) c.close();
    server.forceShutdown();
  });

  it('aborts the signal a write waits on when the client cancels the call', async () => {
    const put = kv.Put({ key: Buffer.from('k'), value: Buffer.from('v') }, () => undefined);
    const waiting = await backend.next(0);
    expect(waiting.method).toBe('write');
    expect(waiting.options?.signal?.aborted).toBe(false);
    // No deadline set: none is passed.
    expect(waiting.options?.deadline).toBeUndefined();
    put.cancel();
    const reason = await aborted(waiting.options?.signal);
    expect(reason).toBeInstanceOf(EtcdError);
    expect((reason as EtcdError).code).toBe('ETCD_CANCELED');
  });

  it('passes the deadline the client set, and aborts the signal when it passes', async () => {
    const deadline = Date.now() + 300;
    const done = settled((cb) => kv.Range({ key: Buffer.from('k') }, new Metadata(), { deadline }, cb));
    const waiting = await backend.next(0);
    expect(waiting.method).toBe('range');
    // grpc-timeout carries the time left, so the server's deadline is the client's less the trip.
    expect(Math.abs(waiting.options!.deadline! - deadline)).toBeLessThan(100);
    const reason = await aborted(waiting.options?.signal);
    expect((reason as EtcdError).code).toBe('ETCD_DEADLINE_EXCEEDED');
    expect((await done)?.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it('leaves the signal alone once the call is answered', async () => {
    const done = settled((cb) => kv.Txn({ compare: [], success: [], failure: [] }, cb));
    const waiting = await backend.next(0);
    expect(waiting.method).toBe('readTxn');
    waiting.release();
    expect(await done).toBeNull();
    // grpc-js reports the stream's close as 'cancelled' even after an answer: that must not abort.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(waiting.options?.signal?.aborted).toBe(false);
  });

  it('hands the options to every lease request that may wait', async () => {
    const deadline = Date.now() + 30_000;
    const grant = lease.LeaseGrant({ TTL: '10', ID: '0' }, new Metadata(), { deadline }, () => undefined);
    const revoke = lease.LeaseRevoke({ ID: '5' }, new Metadata(), { deadline }, () => undefined);
    const ttl = lease.LeaseTimeToLive({ ID: '5', keys: false }, new Metadata(), { deadline }, () => undefined);
    const waiting = [await backend.next(0), await backend.next(1), await backend.next(2)];
    expect(waiting.map((w) => w.method).sort()).toEqual(['grant', 'revoke', 'timeToLive']);
    for (const w of waiting) expect(Math.abs(w.options!.deadline! - deadline)).toBeLessThan(100);
    for (const c of [grant, revoke, ttl]) c.cancel();
    for (const w of waiting) expect(((await aborted(w.options?.signal)) as EtcdError).code).toBe('ETCD_CANCELED');

    const stream = lease.LeaseKeepAlive();
    stream.on('error', () => undefined);
    stream.write({ ID: '5' });
    const renewal = await backend.next(3);
    expect(renewal.method).toBe('keepAlive');
    stream.cancel();
    expect(((await aborted(renewal.options?.signal)) as EtcdError).code).toBe('ETCD_CANCELED');
  });

  it('hands the options to what a Lock waits on', async () => {
    const deadline = Date.now() + 30_000;
    const call = lock.Lock({ name: Buffer.from('door'), lease: '0' }, new Metadata(), { deadline }, () => undefined);
    // A Lock without a lease first grants one for its session.
    const grant = await backend.next(0);
    expect(grant.method).toBe('grant');
    expect(Math.abs(grant.options!.deadline! - deadline)).toBeLessThan(100);
    call.cancel();
    expect(((await aborted(grant.options?.signal)) as EtcdError).code).toBe('ETCD_CANCELED');
  });
});

/** Just what unary() uses of a grpc-js call. */
class FakeUnaryCall<Req> extends EventEmitter {
  cancelled = false;
  readonly metadata = new Metadata();
  constructor(
    readonly request: Req,
    private readonly deadline: number,
  ) {
    super();
  }
  getDeadline(): number {
    return this.deadline;
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }
}

describe('unary()', () => {
  it('sends nothing back once the client has cancelled, even when the body settles after', async () => {
    const answers: unknown[] = [];
    const callback: sendUnaryData<string> = (err, value) => answers.push(err ?? value);
    let seen: CallOptions | undefined;
    let finish: ((value: string) => void) | undefined;
    const handler = unary<string, string>((_req, options) => {
      seen = options;
      return new Promise<string>((resolve) => (finish = resolve));
    });

    const gone = new FakeUnaryCall('req', Infinity);
    handler(gone as unknown as ServerUnaryCall<string, string>, callback);
    gone.cancel();
    expect(seen?.signal?.aborted).toBe(true);
    expect(seen?.deadline).toBeUndefined();
    finish!('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual([]);

    const live = new FakeUnaryCall('req', Date.now() + 60_000);
    handler(live as unknown as ServerUnaryCall<string, string>, callback);
    expect(seen?.deadline).toBe(live.getDeadline());
    finish!('on time');
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual(['on time']);
    // Answered: a later close reported as 'cancelled' does not abort the member's signal.
    live.cancel();
    expect(seen?.signal?.aborted).toBe(false);
  });

  it('gives an already cancelled call an aborted signal', () => {
    const call = new FakeUnaryCall('req', Infinity);
    call.cancelled = true;
    let signal: CallSignal | undefined;
    unary<string, string>((_req, options) => {
      signal = options.signal;
      return 'x';
    })(call as unknown as ServerUnaryCall<string, string>, () => undefined);
    expect(signal?.aborted).toBe(true);
  });
});
