// Which failures the client sends again, and how the router moves between members.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { EndpointRouter, endpointAddress } from '../../client/endpoint-router.js';
import { ClientError, isClientError } from '../../client/errors.js';
import { fromGrpcError } from '../../client/grpc-errors.js';
import { backoffDelay, isRetryable, withRetry } from '../../client/retry.js';
import { EtcdError } from '../../rpc/etcd-errors.js';

const unavailable = (details: string) => fromGrpcError({ code: status.UNAVAILABLE, details });

describe('retry policy', () => {
  it('retries a write only when it certainly never reached the log', () => {
    expect(isRetryable(new EtcdError('ETCD_NO_LEADER'), 'write')).toBe(true);
    expect(isRetryable(new EtcdError('ETCD_TOO_MANY_REQUESTS'), 'write')).toBe(true);
    expect(isRetryable(unavailable('No connection established. Last error: connect ECONNREFUSED'), 'write')).toBe(true);
    expect(isRetryable(unavailable('Connection dropped'), 'write')).toBe(false);
    expect(isRetryable(new EtcdError('ETCD_TIMEOUT'), 'write')).toBe(false);
    expect(isRetryable(new EtcdError('ETCD_LEADER_CHANGED'), 'write')).toBe(false);
    expect(isRetryable(fromGrpcError({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), 'write')).toBe(false);
  });

  it('retries reads and idempotent requests after any failure of the member, never after a request error', () => {
    for (const safety of ['read', 'idempotent'] as const) {
      expect(isRetryable(unavailable('Connection dropped'), safety)).toBe(true);
      expect(isRetryable(new EtcdError('ETCD_TIMEOUT'), safety)).toBe(true);
      expect(isRetryable(new EtcdError('ETCD_STOPPED'), safety)).toBe(true);
      expect(isRetryable(new EtcdError('ETCD_LEASE_NOT_FOUND'), safety)).toBe(false);
      expect(isRetryable(new EtcdError('ETCD_COMPACTED'), safety)).toBe(false);
      expect(isRetryable(new ClientError('LODESTONE_INVALID_ARGUMENT', 'x'), safety)).toBe(false);
    }
  });

  it('maps gRPC statuses: etcd errors by their message, the rest by code', () => {
    expect(fromGrpcError({ code: status.UNAVAILABLE, details: 'etcdserver: no leader' })).toMatchObject({ code: 'ETCD_NO_LEADER' });
    const lost = unavailable('Connection dropped');
    expect(isClientError(lost, 'LODESTONE_UNAVAILABLE') && lost.sent).toBe(true);
    expect(fromGrpcError({ code: status.UNIMPLEMENTED, details: 'nope' })).toMatchObject({ code: 'LODESTONE_RPC_FAILED', grpcCode: status.UNIMPLEMENTED });
  });

  it('backs off exponentially, with jitter, up to a cap', () => {
    for (let n = 0; n < 30; n++) {
      const d = backoffDelay(n, { initialMs: 50, maxMs: 1000 });
      const base = Math.min(1000, 50 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(base / 2);
      expect(d).toBeLessThanOrEqual(base);
    }
  });

  it('gives up with the last error when it is not retryable, or when time is up', async () => {
    let calls = 0;
    const refused = await withRetry(
      async () => {
        calls++;
        throw new EtcdError('ETCD_LEASE_NOT_FOUND');
      },
      { safety: 'read', retryTimeoutMs: 10_000, isClosed: () => false },
    ).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ETCD_LEASE_NOT_FOUND' });
    expect(calls).toBe(1);

    calls = 0;
    const ok = await withRetry(
      async () => {
        if (++calls < 3) throw new EtcdError('ETCD_NO_LEADER');
        return 'done';
      },
      { safety: 'write', retryTimeoutMs: 10_000, isClosed: () => false, backoff: { initialMs: 1, maxMs: 2 } },
    );
    expect(ok).toBe('done');
    expect(calls).toBe(3);

    const timedOut = await withRetry(
      async () => {
        throw new EtcdError('ETCD_NO_LEADER');
      },
      { safety: 'write', retryTimeoutMs: 30, isClosed: () => false, backoff: { initialMs: 5, maxMs: 10 } },
    ).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'ETCD_NO_LEADER' });
  });
});

describe('endpoint router', () => {
  it('takes URLs or host:port, and rejects what it cannot dial', () => {
    expect(endpointAddress('http://127.0.0.1:2379')).toBe('127.0.0.1:2379');
    expect(endpointAddress('localhost:22379')).toBe('localhost:22379');
    expect(endpointAddress('https://a:1')).toBe('a:1');
    expect(() => endpointAddress('unix://a:1')).toThrow(ClientError);
    expect(() => endpointAddress('nohost')).toThrow(ClientError);
    expect(() => new EndpointRouter([])).toThrow(ClientError);
  });

  it('stays with a member until it fails, sets a failed one aside, and comes back to it after its back-off', () => {
    let now = 1000;
    const r = new EndpointRouter(['a:1', 'b:2', 'c:3'], () => now);
    try {
      expect(r.pick().address).toBe('a:1');
      expect(r.pick().address).toBe('a:1');
      r.failed(r.pick());
      expect(r.pick().address).toBe('b:2');
      r.failed(r.pick());
      expect(r.pick().address).toBe('c:3');
      r.failed(r.pick());
      // Every member set aside: the one whose back-off ends first.
      expect(r.pick().address).toBe('a:1');
      now += 10_000;
      r.succeeded(r.pick());
      expect(r.pick().address).toBe('a:1');
    } finally {
      r.close();
    }
  });
});
