// The config center's HTTP JSON API on the member's client URLs, under /lodestone/v1/config: the
// namespace list at the base, a namespace's operations under /<app>/<env>/<cluster>/. A bad request
// answers with its status and a JSON error, and the member goes on serving.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHandler } from '../../rpc/http-handler.js';
import { CallCancellation } from '../../rpc/call-options.js';
import { ConfigCenter, type ConfigKv } from '../../configcenter/index.js';
import { badRequest, notFound } from '../../configcenter/errors.js';
import { parseNamespace } from '../../configcenter/layout.js';
import { ConfigHttpError, sendError, sendJson } from './config-error.js';
import { actorFor, jsonBody, type ConfigAuth, type ConfigRequest } from './config-request.js';
import { findRoute, type Method } from './config-routes.js';

export const CONFIG_API_BASE = '/lodestone/v1/config';

/** The member as the config API sees it: its KV backend (run as the caller) and its auth. */
export interface ConfigApiSource {
  readonly kv: ConfigKv;
  readonly auth: ConfigAuth;
}

export function configHttpHandler(source: ConfigApiSource): HttpHandler {
  const center = new ConfigCenter(source.kv);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://member');
    if (url.pathname !== CONFIG_API_BASE && !url.pathname.startsWith(`${CONFIG_API_BASE}/`)) return false;
    const signal = new CallCancellation();
    res.once('close', () => signal.abort(new Error('the client went away')));
    // A route that throws before its first await fails the same way as one that rejects.
    new Promise<void>((resolve) => resolve(serve(center, source, req, res, url, signal))).catch((e: unknown) => {
      req.resume();
      sendError(res, e);
    });
    return true;
  };
}

async function serve(center: ConfigCenter, source: ConfigApiSource, req: IncomingMessage, res: ServerResponse, url: URL, signal: CallCancellation): Promise<void> {
  let segments: string[];
  try {
    segments = url.pathname.slice(CONFIG_API_BASE.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw badRequest('the path is not valid percent-encoding');
  }
  const method = req.method as Method;
  if (segments.length === 0) {
    if (method !== 'GET') throw new ConfigHttpError(405, 'CONFIG_BAD_REQUEST', `${req.method ?? ''} is not allowed here`, ['GET']);
    const actor = await actorFor(source.auth, req, signal, undefined);
    req.resume();
    sendJson(res, 200, { namespaces: await center.namespaces(actor) });
    return;
  }
  if (segments.length < 3) throw badRequest(`a namespace in the path is the full <app>/<env>/<cluster>, not ${JSON.stringify(segments.join('/'))}`);
  const ns = parseNamespace(segments.slice(0, 3).join('/'));
  const rest = segments.slice(3);
  const route = findRoute(rest);
  if (!route) throw notFound(`no config API route ${url.pathname}`);
  const serveIt = route.methods[method];
  if (!serveIt) throw new ConfigHttpError(405, 'CONFIG_BAD_REQUEST', `${req.method ?? ''} is not allowed on ${url.pathname}`, Object.keys(route.methods));
  const body = method === 'GET' ? (req.resume(), {}) : await jsonBody(req);
  const actor = await actorFor(source.auth, req, signal, body['author']);
  const r: ConfigRequest = { req, query: url.searchParams, ns, rest, signal };
  const answer = await serveIt({ center, r, ns, body, actor });
  sendJson(res, answer.status, answer.body);
}
