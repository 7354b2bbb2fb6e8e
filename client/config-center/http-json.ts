// One JSON request to the members' HTTP side, made the way the client's gRPC calls are: to the
// preferred member first, on to the next when a member cannot be reached (and, for a read or an
// idempotent write, when it cannot serve now), with a deadline per attempt, the client's token and
// TLS. An answer with an error status becomes a ConfigCenterError with the API's code.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { backoffDelay } from '../retry.js';
import { ClientError, closedError } from '../errors.js';
import type { HttpAccess, HttpTarget } from '../http-access.js';
import type { ConfigApiCaller, JsonAnswer, JsonRequest } from './config-api.js';
import { errorFromAnswer } from './config-error.js';

export interface HttpJsonOptions {
  /** Deadline of one attempt. */
  readonly requestTimeoutMs: number;
  /** How long the members are tried again (with back-off) while none can be reached. */
  readonly retryTimeoutMs: number;
}

/** Errors of a connection that never carried the request: any request may go to another member. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

class AttemptFailed extends Error {
  constructor(
    readonly target: HttpTarget,
    readonly sent: boolean,
    override readonly cause: unknown,
  ) {
    super(`${target.origin}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export class HttpJson implements ConfigApiCaller {
  private closed = false;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent: HttpsAgent;

  constructor(
    private readonly access: HttpAccess,
    private readonly options: HttpJsonOptions,
  ) {
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...(access.tls ?? {}) });
  }

  /** The 2xx answer; throws ConfigCenterError for an error answer, ClientError LODESTONE_UNAVAILABLE when no member could be reached. */
  async call(req: JsonRequest): Promise<JsonAnswer> {
    const started = Date.now();
    let last: AttemptFailed | undefined;
    for (let pass = 0; ; pass++) {
      const targets = this.access.targets();
      if (targets.length === 0) throw new ClientError('LODESTONE_UNAVAILABLE', 'no member to send the request to', { sent: false });
      for (const target of targets) {
        if (this.closed) throw closedError();
        try {
          const answer = await this.withLogin(target, req);
          this.access.reached(target);
          if (answer.status >= 200 && answer.status < 300) return answer;
          // A member that cannot serve now (no leader, say): a read may go elsewhere, a write may not (it may have been proposed).
          if (answer.status === 503 && req.idempotent) {
            last = new AttemptFailed(target, true, errorFromAnswer(answer.status, answer.body));
            continue;
          }
          throw errorFromAnswer(answer.status, answer.body, typeof answer.body === 'string' ? answer.body : '');
        } catch (e) {
          if (!(e instanceof AttemptFailed)) throw e;
          last = e;
          if (!e.sent) this.access.unreachable(target);
          if (e.sent && !req.idempotent) {
            throw new ClientError('LODESTONE_UNAVAILABLE', `${req.method} ${req.path}: ${e.message} (the request may or may not have taken effect)`, { cause: e.cause, sent: true });
          }
        }
      }
      const wait = backoffDelay(pass, { initialMs: 100, maxMs: 1000 });
      if (Date.now() + wait - started > this.options.retryTimeoutMs) {
        const cause = last?.cause;
        if (cause instanceof ClientError) throw cause;
        throw new ClientError('LODESTONE_UNAVAILABLE', `no member could serve ${req.method} ${req.path}: ${last?.message ?? 'no answer'}`, { cause, sent: last?.sent ?? false });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One attempt; if the member refuses the token (401) and the client can log in again, one more. */
  private async withLogin(target: HttpTarget, req: JsonRequest): Promise<JsonAnswer> {
    const sentWith = this.access.token();
    const answer = await this.attempt(target, req, sentWith);
    if (answer.status !== 401) return answer;
    if (!(await this.access.renewToken(sentWith))) return answer;
    return this.attempt(target, req, this.access.token());
  }

  private attempt(target: HttpTarget, req: JsonRequest, token: string | undefined): Promise<JsonAnswer> {
    const url = new URL(req.path, target.origin);
    const secure = url.protocol === 'https:';
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (token !== undefined) headers.authorization = token;
    return new Promise<JsonAnswer>((resolve, reject) => {
      let connected = false;
      const options = { method: req.method, headers, timeout: this.options.requestTimeoutMs };
      const onAnswer = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new AttemptFailed(target, true, e)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')) }));
      };
      const r = secure ? httpsRequest(url, { ...options, agent: this.httpsAgent }, onAnswer) : httpRequest(url, { ...options, agent: this.httpAgent }, onAnswer);
      r.on('socket', (socket) => {
        // A kept-alive socket is connected already; a new one says so once it is.
        if (!socket.connecting) connected = true;
        else socket.once(secure ? 'secureConnect' : 'connect', () => (connected = true));
      });
      r.on('timeout', () => r.destroy(new Error(`no answer within ${this.options.requestTimeoutMs} ms`)));
      r.on('error', (e: NodeJS.ErrnoException) => reject(new AttemptFailed(target, connected && !NEVER_SENT.has(e.code ?? ''), e)));
      r.end(payload);
    });
  }

  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
