// The names the DNS interface answers: Consul's forms under the configured domain.
import { describe, expect, it } from 'vitest';
import { addressKind, addrName, normalizeDomain, parseQueryName } from '../../dns/names.js';
import { parseDnsAddress } from '../../dns/listen-address.js';

describe('query names', () => {
  const parse = (name: string, domain = 'lodestone'): ReturnType<typeof parseQueryName> => parseQueryName(name, domain);

  it('reads a service, with or without a tag, in any case, with or without the final dot', () => {
    expect(parse('web.service.lodestone.')).toEqual({ kind: 'service', service: 'web', tag: undefined });
    expect(parse('WEB.Service.LODESTONE')).toEqual({ kind: 'service', service: 'web', tag: undefined });
    expect(parse('v1.web.service.lodestone.')).toEqual({ kind: 'service', service: 'web', tag: 'v1' });
  });

  it("reads RFC 2782's form, _tcp meaning any tag", () => {
    expect(parse('_web._tcp.service.lodestone.')).toEqual({ kind: 'service', service: 'web', tag: undefined });
    expect(parse('_web._v1.service.lodestone.')).toEqual({ kind: 'service', service: 'web', tag: 'v1' });
  });

  it("accepts Consul's datacenter label dc1 and nothing else there", () => {
    expect(parse('web.service.dc1.lodestone.')).toEqual({ kind: 'service', service: 'web', tag: undefined });
    expect(parse('web.service.dc2.lodestone.')).toEqual({ kind: 'unknown' });
  });

  it('reads the addr names of IPv4 and IPv6 addresses', () => {
    expect(parse('7f000001.addr.lodestone.')).toEqual({ kind: 'addr', address: '127.0.0.1', family: 4 });
    expect(parse('20010db8000000000000000000000001.addr.dc1.lodestone.')).toEqual({ kind: 'addr', address: '2001:0db8:0000:0000:0000:0000:0000:0001', family: 6 });
    expect(parse('7f0001.addr.lodestone.')).toEqual({ kind: 'unknown' });
  });

  it('tells the apex, names outside the domain, and names of no known form apart', () => {
    expect(parse('lodestone.')).toEqual({ kind: 'apex' });
    expect(parse('example.com.')).toEqual({ kind: 'outside' });
    expect(parse('notlodestone.')).toEqual({ kind: 'outside' });
    expect(parse('web.node.lodestone.')).toEqual({ kind: 'unknown' });
    expect(parse('a.b.web.service.lodestone.')).toEqual({ kind: 'unknown' });
    expect(parse('service.lodestone.')).toEqual({ kind: 'unknown' });
  });

  it('works under a domain of several labels, and under consul.', () => {
    expect(parse('web.service.sd.example.com.', normalizeDomain('sd.example.com.'))).toEqual({ kind: 'service', service: 'web', tag: undefined });
    expect(parse('web.service.consul.', normalizeDomain('Consul.'))).toEqual({ kind: 'service', service: 'web', tag: undefined });
  });
});

describe('addr names and address kinds', () => {
  it('names an address so that the name reads back to it', () => {
    expect(addrName('10.0.0.1', 'lodestone')).toBe('0a000001.addr.lodestone');
    expect(addrName('2001:db8::1', 'lodestone')).toBe('20010db8000000000000000000000001.addr.lodestone');
    expect(addrName('::ffff:10.1.2.3', 'lodestone')).toBe('00000000000000000000ffff0a010203.addr.lodestone');
    expect(addrName('fe80::', 'lodestone')).toBe('fe800000000000000000000000000000.addr.lodestone');
    const back = parseQueryName(`${addrName('192.168.7.200', 'lodestone')}.`, 'lodestone');
    expect(back).toEqual({ kind: 'addr', address: '192.168.7.200', family: 4 });
  });

  it('tells IPv4, IPv6, host names and unusable addresses apart', () => {
    expect(addressKind('10.0.0.1')).toBe(4);
    expect(addressKind('::1')).toBe(6);
    expect(addressKind('db.example.com')).toBe('host');
    expect(addressKind('')).toBeUndefined();
    expect(addressKind('not a host')).toBeUndefined();
  });
});

describe('--listen-dns-urls addresses', () => {
  it('reads host:port, [v6]:port and udp://host:port', () => {
    expect(parseDnsAddress('127.0.0.1:8600')).toEqual({ host: '127.0.0.1', port: 8600 });
    expect(parseDnsAddress('[::1]:53')).toEqual({ host: '::1', port: 53 });
    expect(parseDnsAddress('udp://localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });

  it('refuses what is not host:port', () => {
    expect(() => parseDnsAddress('127.0.0.1')).toThrow(/not host:port/);
    expect(() => parseDnsAddress('127.0.0.1:70000')).toThrow(/not host:port/);
    expect(() => parseDnsAddress('::1:53')).toThrow(/not host:port/);
  });
});
