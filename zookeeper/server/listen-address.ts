// --listen-zookeeper-urls: "host:port" addresses (a "tcp://" or "zk://" in front is read the same).
import { isIP } from 'node:net';

export interface ZkListenAddress {
  readonly host: string;
  readonly port: number;
}

export class ZkAddressError extends Error {
  override readonly name = 'ZkAddressError';
}

export function parseZkAddress(raw: string): ZkListenAddress {
  const s = raw.trim().replace(/^(tcp|zk|zookeeper):\/\//i, '');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new ZkAddressError(`--listen-zookeeper-urls: "${raw}" is not host:port (e.g. 127.0.0.1:2181)`);
  }
  if (m[1] !== undefined && isIP(host) !== 6) throw new ZkAddressError(`--listen-zookeeper-urls: "${raw}": [${host}] is not an IPv6 address`);
  return { host, port };
}
