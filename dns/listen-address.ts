// --listen-dns-urls: addresses as "host:port" ("[::1]:8600" for IPv6; "udp://host:port" is read the
// same), each served over both UDP and TCP on that port. Port 0 picks a port free for both.
import { isIP } from 'node:net';

export interface DnsListenAddress {
  readonly host: string;
  readonly port: number;
}

export class DnsAddressError extends Error {
  override readonly name = 'DnsAddressError';
}

export function parseDnsAddress(raw: string): DnsListenAddress {
  const s = raw.trim().replace(/^(udp|tcp|dns):\/\//i, '');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new DnsAddressError(`--listen-dns-urls: "${raw}" is not host:port (e.g. 127.0.0.1:8600 or [::1]:8600)`);
  }
  if (m[1] !== undefined && isIP(host) !== 6) throw new DnsAddressError(`--listen-dns-urls: "${raw}": [${host}] is not an IPv6 address`);
  return { host, port };
}
