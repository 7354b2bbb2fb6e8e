// A listen address as the member's URLs give it: "host:port", the host in brackets for IPv6.

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
