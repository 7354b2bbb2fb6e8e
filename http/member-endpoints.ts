// A member's HTTP endpoints, as etcd serves them: /metrics (Prometheus text), /health and /version.
// One handler for any node:http server: the member's metrics listener serves it, and the client
// port can serve it beside its other routes. It answers the paths it knows and returns false for
// the others, leaving them to the caller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHandler } from '../rpc/http-handler.js';

export type { HttpHandler };

/** What a health check found. */
export interface Health {
  readonly healthy: boolean;
  /** Why not, when not healthy. */
  readonly reason?: string;
}

/** etcd's /version body. */
export interface EtcdVersions {
  readonly etcdserver: string;
  readonly etcdcluster: string;
}

/** What the endpoints ask of the member. */
export interface MemberEndpointsSource {
  exposition(): Promise<{ readonly contentType: string; readonly text: string }>;
  health(serializable: boolean): Promise<Health>;
  versions(): EtcdVersions;
}

export function memberHttpHandler(member: MemberEndpointsSource): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://member');
    switch (url.pathname) {
      case '/metrics':
        answer(res, serveMetrics(member, res));
        return true;
      case '/health':
        if (refuseAllButGet(req, res)) return true;
        answer(res, serveHealth(member, res, url.searchParams.get('serializable') === 'true'));
        return true;
      case '/version':
        if (refuseAllButGet(req, res)) return true;
        send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(member.versions()));
        return true;
      default:
        return false;
    }
  };
}

async function serveMetrics(member: MemberEndpointsSource, res: ServerResponse): Promise<void> {
  const { contentType, text } = await member.exposition();
  send(res, 200, { 'Content-Type': contentType }, text);
}

async function serveHealth(member: MemberEndpointsSource, res: ServerResponse, serializable: boolean): Promise<void> {
  const h = await member.health(serializable);
  // etcd 3.4's bodies byte for byte when healthy; when not, the reason etcd 3.5 added beside it.
  if (h.healthy) {
    send(res, 200, { 'Content-Type': 'text/plain; charset=utf-8' }, JSON.stringify({ health: 'true' }));
    return;
  }
  plainError(res, 503, JSON.stringify({ health: 'false', ...(h.reason !== undefined ? { reason: h.reason } : {}) }));
}

/** As etcd: /health and /version take GET only. */
function refuseAllButGet(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET') return false;
  res.setHeader('Allow', 'GET');
  plainError(res, 405, 'Method Not Allowed');
  return true;
}

/** Go's http.Error: the text and a newline, as plain text the browser must not sniff. */
function plainError(res: ServerResponse, status: number, text: string): void {
  send(res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, `${text}\n`);
}

/** A whole body at once, with its length (as Go's server sends a small one). */
function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A handler that failed answers 500, once, if it had not answered yet. */
function answer(res: ServerResponse, done: Promise<void>): void {
  done.catch((e: unknown) => {
    if (res.headersSent) res.destroy();
    else plainError(res, 500, e instanceof Error ? e.message : String(e));
  });
}
