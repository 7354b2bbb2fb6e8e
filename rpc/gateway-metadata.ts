// What a gateway call carries from its HTTP request, as grpc-gateway passes it on: the Authorization
// header as the `authorization` metadata (etcd's token: the member takes it as a gRPC client's
// `token`), Grpc-Metadata-* headers without their prefix, the standard headers as grpcgateway-*
// (grpcgateway-accept is what marks a call as the gateway's: etcd then takes no certificate CN as
// its user), and a Grpc-Timeout header as the call's deadline.
import type { IncomingMessage } from 'node:http';
import { Metadata } from '@grpc/grpc-js';

/** Headers grpc-gateway forwards as grpcgateway-<name>. */
const PERMANENT_HEADERS = new Set([
  'accept', 'accept-charset', 'accept-language', 'accept-ranges', 'authorization', 'cache-control', 'content-type', 'cookie',
  'date', 'expect', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-schedule-tag-match',
  'if-unmodified-since', 'max-forwards', 'origin', 'pragma', 'referer', 'user-agent', 'via', 'warning',
]);

const METADATA_PREFIX = 'grpc-metadata-';

export class BadTimeoutError extends Error {
  constructor(readonly header: string) {
    super(`invalid grpc-timeout: ${header}`);
    this.name = 'BadTimeoutError';
  }
}

export function gatewayMetadata(req: IncomingMessage): Metadata {
  const md = new Metadata();
  const add = (key: string, value: string): void => {
    try {
      md.add(key, key.endsWith('-bin') ? Buffer.from(value) : value);
    } catch {
      // A header name gRPC cannot carry as metadata is left out.
    }
  };
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'authorization') add('authorization', value);
    if (PERMANENT_HEADERS.has(name)) add(`grpcgateway-${name}`, value);
    else if (name.startsWith(METADATA_PREFIX) && name.length > METADATA_PREFIX.length) add(name.slice(METADATA_PREFIX.length), value);
  }
  const forwardedHost = req.headers['x-forwarded-host'];
  const host = typeof forwardedHost === 'string' && forwardedHost !== '' ? forwardedHost : req.headers.host;
  if (host) add('x-forwarded-host', host);
  const remote = req.socket.remoteAddress;
  if (remote) {
    const forwardedFor = req.headers['x-forwarded-for'];
    add('x-forwarded-for', typeof forwardedFor === 'string' && forwardedFor !== '' ? `${forwardedFor}, ${remote}` : remote);
  }
  return md;
}

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** The deadline a Grpc-Timeout header ("5S", "250m") sets, in ms since the epoch; undefined without one. */
export function gatewayDeadline(req: IncomingMessage, now = Date.now()): number | undefined {
  const header = req.headers['grpc-timeout'];
  if (typeof header !== 'string' || header === '') return undefined;
  const match = /^(\d+)([HMSmun])$/.exec(header);
  if (match === null) throw new BadTimeoutError(header);
  return now + Number(match[1]) * UNIT_MS[match[2]!]!;
}
