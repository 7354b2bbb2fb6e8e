// The web console on a member's client URLs (and --listen-console-urls): its static front end under
// /ui/ and its few API routes under /ui/api/. Every page runs in the browser against this member's
// public APIs (etcd's JSON gateway, Consul's API, the config API) with the user's token, so the
// console can do nothing the user could not do with etcdctl.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHandler } from '../../rpc/http-handler.js';
import { CallCancellation, type CallOptions } from '../../rpc/call-options.js';
import { readBody } from '../request-body.js';
import { requestToken } from '../config/config-request.js';
import type { ConsoleApiContext, ConsoleMethod, ConsoleSource } from './console-api.js';
import { CONSOLE_API_ROUTES } from './console-api-routes.js';
import { ConsoleHttpError, sendConsoleError, sendConsoleJson } from './console-error.js';
import { ConsoleFiles, inlineScriptHashes } from './console-files.js';

export const CONSOLE_BASE = '/ui';
const API_BASE = `${CONSOLE_BASE}/api/`;

/** On the console's own port, where / means nothing else: / leads to the console. */
export const consoleRootRedirect: HttpHandler = (req, res) => req.url === '/' && redirect(res, `${CONSOLE_BASE}/`);

export function consoleHttpHandler(source: ConsoleSource): HttpHandler {
  const files = new ConsoleFiles();
  let headers: Record<string, string> | undefined;
  const securityHeaders = (): Record<string, string> => {
    // The import map is index.html's one inline script: allowed by its hash, nothing else inline.
    headers ??= {
      'Content-Security-Policy': [
        "default-src 'self'",
        `script-src 'self' ${inlineScriptHashes(files.get('')?.body.toString('utf8') ?? '').join(' ')}`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
      ].join('; '),
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    };
    return headers;
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://member');
    const path = url.pathname;
    if (path === CONSOLE_BASE) return redirect(res, `${CONSOLE_BASE}/`);
    if (!path.startsWith(`${CONSOLE_BASE}/`)) return false;
    if (path.startsWith(API_BASE)) {
      serveApi(source, req, res, url);
      return true;
    }
    serveFile(files, securityHeaders, req, res, path.slice(CONSOLE_BASE.length + 1));
    return true;
  };
}

function redirect(res: ServerResponse, to: string): true {
  res.writeHead(301, { Location: to, 'Content-Length': '0' });
  res.end();
  return true;
}

function serveFile(files: ConsoleFiles, securityHeaders: () => Record<string, string>, req: IncomingMessage, res: ServerResponse, path: string): void {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendConsoleError(res, new ConsoleHttpError(405, 'CONSOLE_BAD_REQUEST', `${req.method ?? ''} is not allowed on the console's files`, ['GET', 'HEAD']));
    return;
  }
  let name: string;
  try {
    name = decodeURIComponent(path);
  } catch {
    name = '\0';
  }
  // A path the console's router owns (no file extension) gets the page that runs the router.
  const file = files.get(name) ?? (/\.[a-z0-9]+$/i.test(name) ? undefined : files.get(''));
  if (!file) {
    const why = files.root === undefined ? "this member was installed without the console's files (console/)" : `no console file ${path}`;
    sendConsoleError(res, new ConsoleHttpError(404, 'CONSOLE_NOT_FOUND', why));
    return;
  }
  const common = { ...securityHeaders(), ETag: file.etag, 'Cache-Control': 'no-cache' };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, 'Content-Type': file.contentType, 'Content-Length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

function serveApi(source: ConsoleSource, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const signal = new CallCancellation();
  res.once('close', () => signal.abort(new Error('the client went away')));
  new Promise<void>((resolve) => resolve(answerApi(source, req, res, url, signal))).catch((e: unknown) => {
    req.resume();
    sendConsoleError(res, e);
  });
}

async function answerApi(source: ConsoleSource, req: IncomingMessage, res: ServerResponse, url: URL, signal: CallCancellation): Promise<void> {
  let segments: string[];
  try {
    segments = url.pathname.slice(API_BASE.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new ConsoleHttpError(400, 'CONSOLE_BAD_REQUEST', 'the path is not valid percent-encoding');
  }
  const [name, ...rest] = segments;
  const route = name === undefined ? undefined : CONSOLE_API_ROUTES[name];
  if (!route) throw new ConsoleHttpError(404, 'CONSOLE_NOT_FOUND', `no console API route ${url.pathname}`);
  const method = req.method as ConsoleMethod;
  const serve = route[method];
  if (!serve) throw new ConsoleHttpError(405, 'CONSOLE_BAD_REQUEST', `${req.method ?? ''} is not allowed on ${url.pathname}`, Object.keys(route));
  const body = method === 'GET' ? (req.resume(), {}) : await jsonBody(req);
  const token = requestToken(req);
  const call: CallOptions = { signal, ...(token !== undefined ? { auth: { token } } : {}) };
  const ctx: ConsoleApiContext = { req, query: url.searchParams, rest, body, source, call };
  const answer = await serve(ctx);
  sendConsoleJson(res, answer.status, answer.body);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req, () => new ConsoleHttpError(413, 'CONSOLE_BAD_REQUEST', 'request body too large'));
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConsoleHttpError(400, 'CONSOLE_BAD_REQUEST', `the body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConsoleHttpError(400, 'CONSOLE_BAD_REQUEST', 'the body is a JSON object');
  return v as Record<string, unknown>;
}
