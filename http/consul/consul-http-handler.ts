// Consul's HTTP API, the registry's part of it, on the member's client URLs: every path under /v1/
// is Consul's. A path no route takes is 404 as Consul's mux answers it; a known path asked with
// another method is 405 naming the allowed ones. A failure becomes Consul's status and text, and
// the member goes on serving.
import type { ServerResponse } from 'node:http';
import type { HttpHandler } from '../../rpc/http-handler.js';
import { CallCancellation } from '../../rpc/call-options.js';
import { ConsulHttpError, sendConsulError } from './consul-error.js';
import type { ConsulApiSource, ConsulRequest } from './consul-request.js';
import { agentSelf, agentServices, catalogService, catalogServices, healthChecks, healthService, healthState } from './consul-reads.js';
import { statusLeader, statusPeers } from './consul-status.js';
import { deregisterService, registerService, reportCheck, updateCheck } from './consul-writes.js';
import { requestToken } from './registry-access.js';

export type { ConsulApiSource } from './consul-request.js';

interface Route {
  /** The whole path, or with `prefix` the part before a name or ID. */
  readonly path: string;
  readonly prefix: boolean;
  /** The first is the one Consul 1.x takes; any other is one older clients still send. */
  readonly methods: readonly ('GET' | 'PUT')[];
  readonly serve: (r: ConsulRequest) => Promise<void>;
}

// Deregistration and the TTL reports take GET too, as Consul did before 1.0 made them PUT only:
// python-consul (Debian's python3-consul 0.7) still sends GET for them.
const ROUTES: readonly Route[] = [
  { path: '/v1/agent/self', prefix: false, methods: ['GET'], serve: agentSelf },
  { path: '/v1/agent/services', prefix: false, methods: ['GET'], serve: agentServices },
  { path: '/v1/agent/service/register', prefix: false, methods: ['PUT'], serve: registerService },
  { path: '/v1/agent/service/deregister/', prefix: true, methods: ['PUT', 'GET'], serve: deregisterService },
  { path: '/v1/agent/check/pass/', prefix: true, methods: ['PUT', 'GET'], serve: reportCheck('passing') },
  { path: '/v1/agent/check/warn/', prefix: true, methods: ['PUT', 'GET'], serve: reportCheck('warning') },
  { path: '/v1/agent/check/fail/', prefix: true, methods: ['PUT', 'GET'], serve: reportCheck('critical') },
  { path: '/v1/agent/check/update/', prefix: true, methods: ['PUT'], serve: updateCheck },
  { path: '/v1/catalog/services', prefix: false, methods: ['GET'], serve: catalogServices },
  { path: '/v1/catalog/service/', prefix: true, methods: ['GET'], serve: catalogService },
  { path: '/v1/health/service/', prefix: true, methods: ['GET'], serve: healthService },
  { path: '/v1/health/checks/', prefix: true, methods: ['GET'], serve: healthChecks },
  { path: '/v1/health/state/', prefix: true, methods: ['GET'], serve: healthState },
  { path: '/v1/status/leader', prefix: false, methods: ['GET'], serve: statusLeader },
  { path: '/v1/status/peers', prefix: false, methods: ['GET'], serve: statusPeers },
];

function findRoute(pathname: string): Route | undefined {
  return ROUTES.find((r) => (r.prefix ? pathname.startsWith(r.path) : pathname === r.path));
}

export function consulHttpHandler(source: ConsulApiSource): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://member');
    if (!url.pathname.startsWith('/v1/')) return false;
    const route = findRoute(url.pathname);
    if (!route) {
      sendConsulError(res, new ConsulHttpError(404, '404 page not found\n'));
      req.resume();
      return true;
    }
    if (!route.methods.includes(req.method as 'GET' | 'PUT')) {
      sendConsulError(res, new ConsulHttpError(405, `method ${req.method ?? ''} not allowed`, route.methods));
      req.resume();
      return true;
    }
    const signal = new CallCancellation();
    res.once('close', () => signal.abort(new Error('the client went away')));
    let rest: string;
    try {
      rest = route.prefix ? decodeURIComponent(url.pathname.slice(route.path.length)) : '';
    } catch {
      sendConsulError(res, new ConsulHttpError(400, 'Invalid URL path'));
      return true;
    }
    const request: ConsulRequest = { req, res, query: url.searchParams, rest, token: requestToken(req, url.searchParams), signal, source };
    // A route that throws before its first await fails the same way as one that rejects.
    new Promise<void>((resolve) => resolve(route.serve(request))).catch((e: unknown) => fail(res, e));
    return true;
  };
}

/** Consul's own errors as they are; anything else is a 500 with its text, as Consul's RPC errors are. */
function fail(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendConsulError(res, e instanceof ConsulHttpError ? e : new ConsulHttpError(500, e instanceof Error ? e.message : String(e)));
}
