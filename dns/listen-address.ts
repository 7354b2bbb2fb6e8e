// --listen-dns-urls: addresses as "host:port" ("[::1]:8600" for IPv6; "udp://host:port" is read the
// same), each served over both UDP and TCP on that port. Port 0 picks a port free for both.
import { parseFlagAddress } from '../rpc/listen-address.js';

export interface DnsListenAddress {
  readonly host: string;
  readonly port: number;
}

export class DnsAddressError extends Error {
  override readonly name = 'DnsAddressError';
}

export function parseDnsAddress(raw: string): DnsListenAddress {
  return parseFlagAddress(raw, 'listen-dns-urls', '127.0.0.1:8600 or [::1]:8600', ['udp', 'tcp', 'dns'], (m) => new DnsAddressError(m));
}
