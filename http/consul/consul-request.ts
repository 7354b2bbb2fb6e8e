// What each Consul endpoint is handed: the request, its parsed URL, the rest of the path after
// the route's prefix, its token, a signal for a client that left, and the member's parts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallSignal } from '../../rpc/call-options.js';
import type { Registry } from '../../registry/registry.js';
import { ConsulHttpError } from './consul-error.js';
import type { LeaderContact } from './blocking-query.js';
import type { RegistryAuth } from './registry-access.js';
import { readBody as readRawBody } from '../request-body.js';

/** The member as Consul's API sees it. */
export interface ConsulApiSource {
  readonly registry: Registry;
  readonly auth: RegistryAuth;
  leaderContact(): LeaderContact;
  /** This member's name: the agent's node name in /v1/agent/self. */
  readonly memberName: string;
  /**
   * The Raft servers as Consul's status endpoints name them, "host:port" of each voting member's
   * peer URL: the leader ('' when none is known) and every voter.
   */
  servers(): { readonly leader: string; readonly peers: readonly string[] };
}

export interface ConsulRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  /** The path after the route's prefix, decoded: a service name, a service or check ID. */
  readonly rest: string;
  readonly token: string | undefined;
  /** Fires when the client goes away. */
  readonly signal: CallSignal;
  readonly source: ConsulApiSource;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return readRawBody(req, () => new ConsulHttpError(413, 'Request body too large'));
}

/** A JSON answer, compact as Consul's (indented with ?pretty). */
export function sendJson(r: ConsulRequest, body: unknown): void {
  const text = r.query.has('pretty') ? JSON.stringify(body, null, 4) : JSON.stringify(body);
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  r.res.end(text);
}

/** A write's answer: 200 and no body, as Consul's agent endpoints give it. */
export function sendEmpty(r: ConsulRequest): void {
  r.res.writeHead(200, { 'Content-Length': '0' });
  r.res.end();
}

/** The address a request came from, without the IPv4-mapped prefix. */
export function peerAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
}
