// A listen address as the member's URLs give it: "host:port", the host in brackets for IPv6.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export class ListenAddressError extends Error {
  readonly code = 'LODESTONE_LISTEN_ADDRESS';
  constructor(address: string) {
    super(`not host:port: ${address}`);
    this.name = 'ListenAddressError';
  }
}

export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new ListenAddressError(address);
  const host = address.slice(0, at);
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
}

/**
 * The one address a listener binds for a host, as etcd's Go listener picks it: an IP literal as it
 * is, a name's first IPv4 address if it has one ("localhost" is 127.0.0.1 wherever /etc/hosts
 * lists ::1 first), else its first address.
 */
export async function listenHost(host: string): Promise<string> {
  if (host === '' || isIP(host) !== 0) return host;
  const addresses = await lookup(host, { all: true });
  return (addresses.find((a) => a.family === 4) ?? addresses[0])?.address ?? host;
}

/**
 * A "host:port" address given to a --listen-*-urls flag of a protocol that is not a URL (DNS,
 * ZooKeeper): the host in brackets for IPv6, any of `schemes` in front ignored. `fail` makes the
 * flag's own error from a message that names the flag.
 */
export function parseFlagAddress(
  raw: string,
  flag: string,
  example: string,
  schemes: readonly string[],
  fail: (message: string) => Error,
): { host: string; port: number } {
  const s = raw.trim().replace(new RegExp(`^(${schemes.join('|')})://`, 'i'), '');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw fail(`--${flag}: "${raw}" is not host:port (e.g. ${example})`);
  }
  if (m[1] !== undefined && isIP(host) !== 6) throw fail(`--${flag}: "${raw}": [${host}] is not an IPv6 address`);
  return { host, port };
}
