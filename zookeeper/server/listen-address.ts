// --listen-zookeeper-urls: "host:port" addresses (a "tcp://" or "zk://" in front is read the same).
import { parseFlagAddress } from '../../rpc/listen-address.js';

export interface ZkListenAddress {
  readonly host: string;
  readonly port: number;
}

export class ZkAddressError extends Error {
  override readonly name = 'ZkAddressError';
}

export function parseZkAddress(raw: string): ZkListenAddress {
  return parseFlagAddress(raw, 'listen-zookeeper-urls', '127.0.0.1:2181', ['tcp', 'zk', 'zookeeper'], (m) => new ZkAddressError(m));
}
