// The JSON gateway's calls run the gRPC services' handlers in process: what a gRPC call would do
// when its client goes away, a gateway call does when its HTTP client does — a waiting Lock takes
// its key out, a Watch's watchers go — and a stream whose client stops reading stops reading the
// member. (What the gateway answers is compared with etcd's in test/compat/gateway.test.ts.)
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientServer } from '../../rpc/client-server.js';
import { eventually } from '../support/eventually.js';
import { startClientServer } from './client-server-fixture.js';
import { TestMember } from './watch-test-member.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

interface Answer {
  readonly status: number;
  readonly body: string;
}

function post(port: number, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** A request left open; `first` resolves with the first chunk of its answer (or never). */
function open(port: number, path: string, body: unknown): { first: Promise<string>; abort: () => void } {
  let abort = (): void => undefined;
  const first = new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.setEncoding('utf8');
      res.once('data', (d: string) => resolve(d));
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    abort = () => req.destroy();
  });
  return { first, abort: () => abort() };
}

describe('gateway calls on the in-process handlers', () => {
  const member = new TestMember();
  let server: ClientServer;
  let port: number;

  beforeAll(async () => {
    server = await startClientServer(member);
    port = server.ports[0]!;
  });

  afterAll(async () => {
    await server?.close();
    member.close();
  });

  it('answers a put and a range through the KV handlers', async () => {
    expect((await post(port, '/v3/kv/put', { key: b64('k'), value: b64('v') })).status).toBe(200);
    const got = JSON.parse((await post(port, '/v3/kv/range', { key: b64('k') })).body) as { kvs: { value: string }[] };
    expect(got.kvs[0]?.value).toBe(b64('v'));
  });

  it('takes a waiting lock\'s key out when its HTTP client goes away', async () => {
    await post(port, '/v3/lease/grant', { ID: '1', TTL: '60' });
    await post(port, '/v3/lease/grant', { ID: '2', TTL: '60' });
    expect((await post(port, '/v3/lock/lock', { name: b64('held'), lease: '1' })).status).toBe(200);
    const waiter = open(port, '/v3/lock/lock', { name: b64('held'), lease: '2' });
    const keys = async (): Promise<string[]> => {
      const r = JSON.parse((await post(port, '/v3/kv/range', { key: b64('held/'), range_end: b64('held0'), keys_only: true })).body) as { kvs?: { key: string }[] };
      return (r.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString());
    };
    await eventually('the waiter queues', async () => ((await keys()).length === 2 ? true : undefined), 5000, 20);
    waiter.abort();
    expect(await eventually('the waiter leaves', async () => ((await keys()).length === 1 ? keys() : undefined), 5000, 20)).toEqual(['held/1']);
  });

  it('cancels a watch\'s watchers when its HTTP client goes away', async () => {
    const before = member.openWatchers;
    const watch = open(port, '/v3/watch', { create_request: { key: b64('watched') } });
    expect(await watch.first).toContain('"created":true');
    expect(member.openWatchers).toBe(before + 1);
    watch.abort();
    await eventually('the watcher goes', async () => (member.openWatchers === before ? true : undefined), 5000, 20);
  });

  it('answers DEADLINE_EXCEEDED once a Grpc-Timeout passes, and the lock waiter leaves', async () => {
    await post(port, '/v3/lease/grant', { ID: '3', TTL: '60' });
    const started = Date.now();
    const answer = await post(port, '/v3/lock/lock', { name: b64('held'), lease: '3' }, { 'Grpc-Timeout': '300m' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(answer).toEqual({ status: 504, body: '{"error":"context deadline exceeded","message":"context deadline exceeded","code":4}' });
    await eventually(
      'the waiter leaves',
      async () => {
        const r = JSON.parse((await post(port, '/v3/kv/range', { key: b64('held/'), range_end: b64('held0'), count_only: true })).body) as { count?: string };
        return r.count === '1' ? true : undefined;
      },
      5000,
      20,
    );
  });

  it('refuses a body far over the request size limit without reading it all', async () => {
    const huge = `{"key":"${'A'.repeat(8 * 1024 * 1024)}"}`;
    const answer = await post(port, '/v3/kv/put', huge);
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 8 });
    expect((await post(port, '/v3/kv/put', { key: b64('after'), value: b64('ok') })).status).toBe(200);
  });

  it('refuses a request over the gRPC limit as etcd\'s gRPC server does', async () => {
    const value = Buffer.alloc(2.5 * 1024 * 1024, 1).toString('base64');
    const answer = await post(port, '/v3/kv/put', { key: b64('big'), value });
    expect(answer.status).toBe(429);
    expect(answer.body).toMatch(/^\{"error":"grpc: received message larger than max \(\d+ vs\. 2097152\)",.*"code":8\}$/);
  });
});
