// An embedded node (openNode) serves DNS too when given `dns`: here asked in-process over UDP and
// TCP with dns-packet, on the port 0 picked for both.
import { createSocket } from 'node:dgram';
import { connect as tcpConnect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../index.js';

function askUdp(port: number, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.DecodedPacket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer to ${name} ${type}`));
    }, 5000);
    socket.once('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(m));
    });
    socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] }), port, '127.0.0.1');
  });
}

function askTcp(port: number, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        socket.end();
        resolve(dnsPacket.decode(got.subarray(2, 2 + got.readUInt16BE(0))));
      }
    });
    socket.on('error', reject);
    socket.write(dnsPacket.streamEncode({ type: 'query', id: 8, questions: [{ name, type }] }));
  });
}

describe('DNS on an embedded node', () => {
  let node: LodestoneNode;
  let port: number;

  beforeAll(async () => {
    node = await openNode({ inMemory: true }, { dns: { listen: ['127.0.0.1:0'], domain: 'consul.' } });
    port = node.member.dnsPorts[0]!;
    await node.put('/lodestone/services/cache/c-1', JSON.stringify({ address: '10.9.0.1', port: 6379, weights: { passing: 4, warning: 1 } }));
    const deadline = Date.now() + 10_000;
    while ((await askUdp(port, 'cache.service.consul', 'A')).answers?.length !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await node?.close();
  });

  it('binds one port for UDP and TCP and answers on both', async () => {
    expect(port).toBeGreaterThan(0);
    const udp = await askUdp(port, 'cache.service.consul', 'SRV');
    expect(udp).toMatchObject({ id: 7, rcode: 'NOERROR', flag_aa: true, flag_rd: true, flag_qr: true });
    expect(udp.answers).toEqual([{ name: 'cache.service.consul', type: 'SRV', ttl: 0, class: 'IN', flush: false, data: { priority: 1, weight: 4, port: 6379, target: '0a090001.addr.consul' } }]);
    expect(udp.additionals?.map((a) => [a.name, a.type, 'data' in a ? a.data : undefined])).toEqual([['0a090001.addr.consul', 'A', '10.9.0.1']]);
    const tcp = await askTcp(port, 'CACHE.Service.Consul', 'A');
    expect(tcp).toMatchObject({ id: 8, rcode: 'NOERROR' });
    expect(tcp.answers?.map((a) => ('data' in a ? a.data : undefined))).toEqual(['10.9.0.1']);
    // The question goes back as asked; the records are named in lower case.
    expect(tcp.questions?.[0]?.name).toBe('CACHE.Service.Consul');
    expect(tcp.answers?.[0]?.name).toBe('cache.service.consul');
  });

  it('answers several queries on one TCP connection, however their bytes arrive', async () => {
    const socket = tcpConnect(port, '127.0.0.1');
    const replies: dnsPacket.DecodedPacket[] = [];
    let got = Buffer.alloc(0);
    const three = new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        while (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
          replies.push(dnsPacket.decode(got.subarray(2, 2 + got.readUInt16BE(0))));
          got = got.subarray(2 + got.readUInt16BE(0));
        }
        if (replies.length === 3) resolve();
      });
    });
    const q = (id: number, type: dnsPacket.RecordType): Buffer => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: 'cache.service.consul', type }] });
    // Two queries in one write, then one split across two writes.
    socket.write(Buffer.concat([q(1, 'A'), q(2, 'SRV')]));
    const third = q(3, 'AAAA');
    socket.write(third.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 100));
    socket.write(third.subarray(5));
    await three;
    socket.end();
    expect(replies.map((r) => [r.id, r.answers?.length])).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
  });

  it('answers the SOA of its domain at the apex', async () => {
    const soa = await askUdp(port, 'consul', 'SOA');
    expect(soa.answers?.[0]).toMatchObject({ type: 'SOA', data: { mname: 'ns.consul', rname: 'hostmaster.consul' } });
  });

  it('fails to open, naming the address, when the DNS port is taken', async () => {
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', () => resolve()));
    const taken = holder.address().port;
    try {
      await expect(openNode({ inMemory: true }, { dns: { listen: [`127.0.0.1:${taken}`] } })).rejects.toThrow(`--listen-dns-urls 127.0.0.1:${taken}: bind EADDRINUSE`);
    } finally {
      holder.close();
    }
  });
});
