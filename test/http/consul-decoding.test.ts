// How Consul's requests are read: a registration's fields whatever their case (python-consul sends
// lower case, others snake case), durations as Go text or nanoseconds, Consul's default check IDs
// and names, its refusals; and a blocking query's ?index and ?wait with Consul's limits and jitter.
import { describe, expect, it } from 'vitest';
import { ConsulHttpError } from '../../http/consul/consul-error.js';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS, parseBlocking } from '../../http/consul/blocking-query.js';
import { decodeServiceDefinition } from '../../http/consul/service-definition.js';

function refusal(f: () => unknown): [number, string] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConsulHttpError) return [e.statusCode, e.message];
    throw e;
  }
  throw new Error('not refused');
}

describe('decodeServiceDefinition', () => {
  it("reads Consul's names in any case, with underscores or without", () => {
    const r = decodeServiceDefinition(
      {
        NAME: 'web',
        service_id: 'ignored: not a ServiceDefinition field',
        id: 'web-1',
        address: '10.0.0.1',
        port: 80,
        tags: ['a'],
        meta: { k: 'v' },
        weights: { passing: 5, warning: 2 },
        check: { check_id: 'mine', ttl: '15s', deregister_critical_service_after: '2m', status: 'warning' },
      },
      '192.0.2.1',
    );
    expect(r.service).toBe('web');
    expect(r.id).toBe('web-1');
    expect(r.record).toMatchObject({ address: '10.0.0.1', port: 80, tags: ['a'], meta: { k: 'v' }, weights: { passing: 5, warning: 2 } });
    expect(r.record.checks).toEqual([
      expect.objectContaining({ id: 'mine', name: "Service 'web' check", kind: 'ttl', ttlMs: 15_000, deregisterCriticalAfterMs: 120_000, initialStatus: 'warning' }),
    ]);
  });

  it("takes the name for the ID, the caller's address for none, and numbers several checks", () => {
    const r = decodeServiceDefinition(
      {
        Name: 'api',
        Checks: [
          { HTTP: 'http://x/health', Interval: 2_000_000_000, Method: 'HEAD', Name: 'probe' },
          { GRPC: 'x:9000/svc', Interval: '250ms', Timeout: '1s', FailuresBeforeCritical: 3, SuccessBeforePassing: 0 },
        ],
      },
      '192.0.2.7',
    );
    expect(r.id).toBe('api');
    expect(r.record.address).toBe('192.0.2.7');
    expect(r.record.checks.map((c) => [c.id, c.name, c.kind, c.intervalMs, c.timeoutMs])).toEqual([
      ['service:api:1', 'probe', 'http', 2000, 10_000],
      // Consul's minimum interval is a second.
      ['service:api:2', "Service 'api' check", 'grpc', 1000, 1000],
    ]);
    expect(r.record.checks[0]).toMatchObject({ http: 'http://x/health', method: 'HEAD', initialStatus: 'critical' });
    expect(r.record.checks[1]).toMatchObject({ grpc: 'x:9000/svc', failuresBeforeCritical: 3, successBeforePassing: 1 });
  });

  it("refuses what Consul refuses, with its reasons", () => {
    expect(refusal(() => decodeServiceDefinition({ Name: 'x', Address: '0.0.0.0' }, ''))).toEqual([400, 'Invalid service address']);
    expect(refusal(() => decodeServiceDefinition({ Name: 'x', Check: { TTL: '5 s' } }, ''))).toEqual([400, 'Request decode failed: time: invalid duration "5 s"']);
    expect(refusal(() => decodeServiceDefinition({ Name: 'x', Tags: 'a' }, ''))).toEqual([400, "Request decode failed: 'Tags' expected type 'slice', got unconvertible type 'string'"]);
    expect(refusal(() => decodeServiceDefinition({ Name: 'x', Check: { Args: ['/bin/true'], Interval: '10s' } }, ''))[1]).toMatch(/^Invalid check: Args checks are not supported/);
    expect(refusal(() => decodeServiceDefinition({ Name: 'a/b' }, ''))[0]).toBe(400);
    expect(refusal(() => decodeServiceDefinition({ Name: 'x', Port: 70_000 }, ''))).toEqual([400, 'Validation failed: instance.port must be an integer from 0 to 65535']);
  });
});

describe('parseBlocking', () => {
  const q = (s: string): URLSearchParams => new URLSearchParams(s);

  it("waits 5 minutes by default and 10 at most, plus up to a sixteenth at random", () => {
    expect(parseBlocking(q('index=7'), () => 0)).toEqual({ index: 7, waitMs: DEFAULT_WAIT_MS });
    expect(parseBlocking(q('index=7'), () => 0.999).waitMs).toBe(DEFAULT_WAIT_MS + Math.floor(0.999 * (DEFAULT_WAIT_MS / 16)));
    expect(parseBlocking(q('index=7&wait=1h'), () => 0).waitMs).toBe(MAX_WAIT_MS);
    expect(parseBlocking(q('index=7&wait=1600ms'), () => 0.5).waitMs).toBe(1650);
    expect(parseBlocking(q(''), () => 0).index).toBe(0);
  });

  it('refuses an index or a wait it cannot read', () => {
    expect(refusal(() => parseBlocking(q('index=-1')))).toEqual([400, 'Invalid index']);
    expect(refusal(() => parseBlocking(q('index=1&wait=10')))).toEqual([400, 'Invalid wait time']);
  });
});
