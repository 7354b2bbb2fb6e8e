// The registry's DNS interface on real member processes, asked with the real dig: what a user sees
// after registering instances with any etcd client (plain puts of the documented keys here). One
// member answers with the defaults (lodestone., passing only); another, Consul's domain with
// --dns-only-passing=false.
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../index.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { dig, type DigResult } from '../support/dig.js';
import { freePorts } from '../support/free-ports.js';

const binaries = checkBinaries(['dig'], 'the DNS interface tests');

const LONG_TTL_MS = 3_600_000;
const warningCheck = (id: string): object => ({ id, kind: 'ttl', ttlMs: LONG_TTL_MS, initialStatus: 'warning' });
const criticalCheck = (id: string): object => ({ id, kind: 'ttl', ttlMs: LONG_TTL_MS, initialStatus: 'critical' });
const BIG = 40;

/** The registry both members serve: written with plain puts of the documented keys. */
async function register(client: Client): Promise<void> {
  const put = (key: string, value: object): Promise<unknown> => client.put(key, JSON.stringify(value));
  await put('/lodestone/services/web/web-1', { address: '10.0.0.1', port: 8080, tags: ['v1'], weights: { passing: 10, warning: 1 } });
  await put('/lodestone/services/web/web-2', { address: '10.0.0.2', port: 8081, tags: ['v2'], weights: { passing: 5, warning: 2 }, checks: [warningCheck('web-2-ttl')] });
  await put('/lodestone/health/web/web-2/web-2-ttl', { status: 'warning', output: 'slow', since: Date.now() });
  await put('/lodestone/services/web/web-3', { address: '2001:db8::1', port: 8082, weights: { passing: 3, warning: 1 } });
  await put('/lodestone/services/web/web-4', { address: '10.0.0.4', port: 8084, checks: [criticalCheck('web-4-ttl')] });
  await put('/lodestone/services/db/db-1', { address: 'db.example.com', port: 5432 });
  // One passing of four: under its protect threshold, so every instance is answered.
  await put('/lodestone/service-settings/guarded', { protectThreshold: 0.5 });
  await put('/lodestone/services/guarded/g-1', { address: '10.1.0.1', port: 1 });
  for (const i of [2, 3, 4]) await put(`/lodestone/services/guarded/g-${i}`, { address: `10.1.0.${i}`, port: 1, checks: [criticalCheck(`g-${i}-ttl`)] });
  for (let i = 0; i < BIG; i++) await put(`/lodestone/services/big/b-${i}`, { address: `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 9000 + i });
}

/** Asks until `check` passes (the member applies the puts a moment after they are acknowledged). */
async function eventually(port: number, name: string, type: string, check: (r: DigResult) => boolean, options: readonly string[] = []): Promise<DigResult> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await dig(port, name, type, options);
    if (check(r) || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const data = (r: DigResult): string[] => r.answer.map((a) => a.data).sort();

describe.runIf(binaries.run)('DNS on a member, asked with dig', () => {
  let plain: TestCluster;
  let consul: TestCluster;
  let port: number;
  let consulPort: number;
  let client: Client;

  beforeAll(async () => {
    binaries.assertPresent();
    [port, consulPort] = await freePorts(2);
    [plain, consul] = await Promise.all([
      TestCluster.start({ implementation: 'lodestone', logLevel: 'warn', readyTimeoutMs: 60_000, extraArgs: ['--listen-dns-urls', `127.0.0.1:${port}`] }),
      TestCluster.start({
        implementation: 'lodestone',
        logLevel: 'warn',
        readyTimeoutMs: 60_000,
        extraArgs: ['--listen-dns-urls', `udp://127.0.0.1:${consulPort}`, '--dns-domain', 'consul.', '--dns-only-passing=false'],
      }),
    ]);
    client = await connect({ endpoints: plain.endpoints });
    const consulClient = await connect({ endpoints: consul.endpoints });
    try {
      await Promise.all([register(client), register(consulClient)]);
    } finally {
      await consulClient.close();
    }
    await eventually(port, 'big.service.lodestone', 'A', (r) => r.answer.length > 0, ['+tcp']);
    await eventually(consulPort, 'big.service.consul', 'A', (r) => r.answer.length > 0, ['+tcp']);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all([plain?.destroy(), consul?.destroy()]);
  });

  it('answers A with the passing IPv4 instances only, with the domain as authoritative', async () => {
    const r = await dig(port, 'web.service.lodestone', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    expect(data(r)).toEqual(['10.0.0.1']);
  });

  it('answers AAAA with the IPv6 instances, and NOERROR with no answers but the SOA where there are none', async () => {
    expect(data(await dig(port, 'web.service.lodestone', 'AAAA'))).toEqual(['2001:db8::1']);
    const none = await dig(port, 'guarded.service.lodestone', 'AAAA');
    expect(none.status).toBe('NOERROR');
    expect(none.answer).toEqual([]);
    expect(none.authority.map((a) => a.type)).toEqual(['SOA']);
  });

  it('answers SRV with each weight and port, and addr targets resolved in the additional section', async () => {
    const r = await dig(port, 'web.service.lodestone', 'SRV');
    expect(data(r)).toEqual(['1 10 8080 0a000001.addr.lodestone.', '1 3 8082 20010db8000000000000000000000001.addr.lodestone.']);
    expect(r.additional.map((a) => `${a.name} ${a.type} ${a.data}`).sort()).toEqual([
      '0a000001.addr.lodestone. A 10.0.0.1',
      '20010db8000000000000000000000001.addr.lodestone. AAAA 2001:db8::1',
    ]);
    // The target names answer too.
    expect(data(await dig(port, '0a000001.addr.lodestone', 'A'))).toEqual(['10.0.0.1']);
  });

  it('filters by tag, in both name forms', async () => {
    expect(data(await dig(port, 'v1.web.service.lodestone', 'A'))).toEqual(['10.0.0.1']);
    expect(data(await dig(port, '_web._v1.service.lodestone', 'SRV'))).toEqual(['1 10 8080 0a000001.addr.lodestone.']);
    expect(data(await dig(port, '_web._tcp.service.dc1.lodestone', 'SRV'))).toHaveLength(2);
    // v2's only instance is warning: not answered here.
    expect((await dig(port, 'v2.web.service.lodestone', 'A')).status).toBe('NXDOMAIN');
  });

  it('answers an instance known by host name with a CNAME, and ANY as A and AAAA together', async () => {
    const db = await dig(port, 'db.service.lodestone', 'A');
    expect(db.answer).toEqual([{ name: 'db.service.lodestone.', type: 'CNAME', data: 'db.example.com.' }]);
    expect(data(await dig(port, 'db.service.lodestone', 'SRV'))).toEqual(['1 1 5432 db.example.com.']);
    expect(data(await dig(port, 'web.service.lodestone', 'ANY', ['+tcp']))).toEqual(['10.0.0.1', '2001:db8::1']);
  });

  it("answers NXDOMAIN with the SOA for unknown services and names, SERVFAIL outside the domain, as Consul does", async () => {
    for (const name of ['nope.service.lodestone', 'web.node.lodestone', 'web.service.dc9.lodestone']) {
      const r = await dig(port, name, 'A');
      expect(r.status, name).toBe('NXDOMAIN');
      expect(r.authority.map((a) => `${a.name} ${a.type} ${a.data.split(' ').slice(0, 2).join(' ')}`)).toEqual(['lodestone. SOA ns.lodestone. hostmaster.lodestone.']);
    }
    expect((await dig(port, 'example.com', 'A')).status).toBe('SERVFAIL');
  });

  it("answers every instance when the healthy share is under the service's protect threshold", async () => {
    expect(data(await dig(port, 'guarded.service.lodestone', 'A'))).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
  });

  it('truncates a UDP answer that does not fit, with TC set, and gives it whole over TCP', async () => {
    const udp = await dig(port, 'big.service.lodestone', 'SRV', ['+noedns', '+ignore']);
    expect(udp.flags).toContain('tc');
    expect(udp.answer.length).toBeGreaterThan(0);
    expect(udp.answer.length).toBeLessThan(BIG);
    // Each answer kept has its address with it.
    expect(udp.additional).toHaveLength(udp.answer.length);
    const edns = await dig(port, 'big.service.lodestone', 'A', ['+bufsize=4096', '+ignore']);
    expect(edns.flags).not.toContain('tc');
    expect(edns.answer).toHaveLength(BIG);
    const tcp = await dig(port, 'big.service.lodestone', 'SRV', ['+tcp']);
    expect(tcp.flags).not.toContain('tc');
    expect(tcp.answer).toHaveLength(BIG);
    expect(tcp.additional).toHaveLength(BIG);
  });

  it('answers heavier instances first more often', async () => {
    const first = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const ip = (await dig(port, 'web.service.lodestone', 'SRV')).answer[0]!.data.split(' ')[1]!;
      first.set(ip, (first.get(ip) ?? 0) + 1);
    }
    // Weight 10 against 3: first about 77% of the time; fewer than half would be a 1-in-10^4 fluke.
    expect(first.get('10')!).toBeGreaterThan(20);
  });

  it('stops answering an instance once it is deregistered', async () => {
    await client.delete('/lodestone/services/web/web-3');
    const r = await eventually(port, 'web.service.lodestone', 'AAAA', (x) => x.answer.length === 0);
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([]);
    expect(data(await dig(port, 'web.service.lodestone', 'SRV'))).toEqual(['1 10 8080 0a000001.addr.lodestone.']);
  });

  it('answers FORMERR to a body it cannot read, drops what has no header, and serves on', async () => {
    const socket = createSocket('udp4');
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    try {
      const send = (b: Buffer): Promise<void> => new Promise((resolve, reject) => socket.send(b, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      await send(Buffer.from([1, 2, 3]));
      // A header saying one question, id 0x1234, then a name whose label runs past the end.
      await send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 40, 0x61, 0x62]));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(replies).toHaveLength(1);
      const formerr = dnsPacket.decode(replies[0]!);
      expect(formerr.id).toBe(0x1234);
      expect((formerr as { rcode?: string }).rcode).toBe('FORMERR');
    } finally {
      socket.close();
    }
    expect(data(await dig(port, 'web.service.lodestone', 'A'))).toEqual(['10.0.0.1']);
  });

  it("with --dns-domain consul. and --dns-only-passing=false: Consul's names, warning instances with their warning weight", async () => {
    const r = await dig(consulPort, 'web.service.consul', 'SRV');
    expect(data(r)).toEqual(['1 10 8080 0a000001.addr.consul.', '1 2 8081 0a000002.addr.consul.', '1 3 8082 20010db8000000000000000000000001.addr.consul.']);
    expect(data(await dig(consulPort, 'v2.web.service.consul', 'A', ['+tcp']))).toEqual(['10.0.0.2']);
    expect((await dig(consulPort, 'web.service.lodestone', 'A')).status).toBe('SERVFAIL');
  });
});
