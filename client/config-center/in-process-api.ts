// The config center's API for an embedded node: the members' own routes (http/config/), run in this
// process over the node's KV backend, so that client.configCenter works the same on a node that
// serves no clients. Requests and answers go through JSON as they would over HTTP, and failures
// answer with the HTTP API's statuses and codes. The node's calls are the member's own: with auth
// enabled they are not checked, and the author is the one named (else "anonymous"), as with auth off.
import type { IncomingMessage } from 'node:http';
import { ConfigCenter, ConfigError, parseNamespace, type ConfigKv } from '../../configcenter/index.js';
import { CallCancellation } from '../../rpc/call-options.js';
import { errorAnswer } from '../../http/config/config-error.js';
import { findRoute } from '../../http/config/config-routes.js';
import { closedError } from '../errors.js';
import { CONFIG_API_BASE } from './admin-client.js';
import type { ConfigApiCaller, JsonAnswer, JsonRequest } from './config-api.js';
import { errorFromAnswer } from './config-error.js';

const roundTrip = (v: unknown): unknown => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown));

export class InProcessConfigApi implements ConfigApiCaller {
  private readonly center: ConfigCenter;
  private closed = false;

  constructor(kv: ConfigKv) {
    this.center = new ConfigCenter(kv);
  }

  async call(req: JsonRequest): Promise<JsonAnswer> {
    if (this.closed) throw closedError();
    let answer: JsonAnswer;
    try {
      answer = await this.serve(req);
    } catch (e) {
      const failed = errorAnswer(e);
      answer = { status: failed.status, body: failed.body };
    }
    const body = roundTrip(answer.body);
    if (answer.status < 200 || answer.status >= 300) throw errorFromAnswer(answer.status, body);
    return { status: answer.status, body };
  }

  private async serve(req: JsonRequest): Promise<JsonAnswer> {
    const url = new URL(req.path, 'http://node');
    const body = (roundTrip(req.body) ?? {}) as Record<string, unknown>;
    const named = body['author'];
    const actor = { author: typeof named === 'string' && named.trim() !== '' ? named.trim() : 'anonymous' };
    const segments = url.pathname.slice(CONFIG_API_BASE.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (segments.length === 0) return { status: 200, body: { namespaces: await this.center.namespaces(actor) } };
    if (segments.length < 3) throw new ConfigError('CONFIG_BAD_REQUEST', `a namespace in the path is the full <app>/<env>/<cluster>, not ${JSON.stringify(segments.join('/'))}`);
    const ns = parseNamespace(segments.slice(0, 3).join('/'));
    const rest = segments.slice(3);
    const serveIt = findRoute(rest)?.methods[req.method];
    if (!serveIt) throw new ConfigError('CONFIG_NOT_FOUND', `no config API route ${req.method} ${url.pathname}`);
    // The routes read the query, the path and the signal; there is no HTTP request in this process.
    const r = { req: undefined as unknown as IncomingMessage, query: url.searchParams, ns, rest, signal: new CallCancellation() };
    return serveIt({ center: this.center, r, ns, body, actor });
  }

  close(): void {
    this.closed = true;
  }
}
