// Members started in this process with --listen-metrics-urls: each serves its own metrics (several
// members in one process keep apart), an https metrics URL takes the client TLS settings (a client
// certificate included), other paths are 404 as etcd's mux answers, and close() stops the listener.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { Metadata } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../cluster/member.js';
import type { MemberOptions } from '../../cluster/member-options.js';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { eventually } from '../support/eventually.js';
import { sample, scrape } from '../support/metrics-scrape.js';
import { ThrowawayMtls } from '../support/throwaway-mtls.js';

let members: Member[] = [];
afterEach(async () => {
  await Promise.all(members.map((m) => m.close()));
  members = [];
});

async function start(name: string, extra: Partial<MemberOptions> = {}): Promise<Member> {
  const member = await Member.start({
    name,
    inMemory: true,
    servePeers: false,
    initialCluster: `${name}=http://localhost:2380`,
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    listenMetricsUrls: ['http://127.0.0.1:0'],
    heartbeatInterval: 50,
    electionTimeout: 500,
    logLevel: 'silent',
    ...extra,
  });
  members.push(member);
  return member;
}

const metricsUrl = (m: Member): string => `http://127.0.0.1:${m.metricsPorts[0]!}`;

function put(m: Member, key: string): Promise<void> {
  const kv = createEtcdClient('KV', `127.0.0.1:${m.clientPorts[0]!}`);
  return new Promise<void>((resolve, reject) =>
    kv.Put({ key: Buffer.from(key), value: Buffer.from('v') }, new Metadata(), { deadline: Date.now() + 5000 }, (err) => {
      kv.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

describe('a member’s metrics listener', () => {
  it('serves each member’s own metrics when two run in one process', async () => {
    const [a, b] = [await start('a'), await start('b')];
    await eventually('both to lead', async () => (a.raftStatus().role === 'leader' && b.raftStatus().role === 'leader' ? true : undefined), 10_000, 20);
    for (const k of ['k1', 'k2', 'k3']) await put(a, k);
    const okPut = 'grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"';
    const [sa, sb] = [await scrape(`${metricsUrl(a)}/metrics`), await scrape(`${metricsUrl(b)}/metrics`)];
    expect(sample(sa, 'etcd_debugging_mvcc_keys_total')).toBe(3);
    expect(sample(sb, 'etcd_debugging_mvcc_keys_total')).toBe(0);
    expect(sample(sa, 'grpc_server_handled_total', okPut)).toBe(3);
    expect(sample(sb, 'grpc_server_handled_total', okPut)).toBe(0);
    expect(sample(sa, `etcd_server_id`, `server_id="${a.id.toString(16)}"`)).toBe(1);
    expect(sample(sb, `etcd_server_id`, `server_id="${b.id.toString(16)}"`)).toBe(1);
    // An in-memory member has no files: it reports no size rather than a made-up one.
    expect(sample(sa, 'etcd_mvcc_db_total_size_in_bytes')).toBe(0);
  });

  it('answers 404 elsewhere, as etcd’s mux does, and stops listening on close', async () => {
    const m = await start('a');
    const r = await fetch(`${metricsUrl(m)}/v3/kv/range`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('404 page not found\n');
    const url = metricsUrl(m);
    await m.close();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('an https metrics URL', () => {
  let tls: ThrowawayMtls;
  beforeAll(async () => {
    tls = await ThrowawayMtls.create();
  });
  afterAll(async () => {
    await tls.destroy();
  });

  /** GET over TLS, checking the member by the CA, with or without the client certificate. */
  function get(port: number, path: string, withCert: boolean): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          ca: readFileSync(tls.caFile),
          ...(withCert ? { cert: readFileSync(tls.client.cert), key: readFileSync(tls.client.key) } : {}),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('is served with the client certificate and asks scrapers for theirs when clients must have one', async () => {
    const m = await start('a', {
      listenClientUrls: ['https://127.0.0.1:0'],
      advertiseClientUrls: ['https://127.0.0.1:0'],
      listenMetricsUrls: ['https://127.0.0.1:0'],
      certFile: tls.member.cert,
      keyFile: tls.member.key,
      trustedCaFile: tls.caFile,
      clientCertAuth: true,
    });
    await eventually('a leader', async () => (m.raftStatus().role === 'leader' ? true : undefined), 10_000, 20);
    const port = m.metricsPorts[0]!;
    expect(await get(port, '/health', true)).toEqual({ status: 200, body: '{"health":"true"}' });
    await expect(get(port, '/health', false)).rejects.toThrow();
  });
});
