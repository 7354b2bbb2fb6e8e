// A plain HTTP/1.1 client for etcd's JSON gateway, for the tests that compare Lodestone's gateway
// with etcd's: each answer is written down as one line of text — status, the headers that matter
// to a client (content type, the gRPC metadata and trailers grpc-gateway passes on, CORS), and the
// body — so two servers' answers compare as strings. Streams are read line by line as they come.
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface GatewayAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly trailers: NodeJS.Dict<string>;
  readonly body: string;
}

/** Headers written down with each answer (Date, Content-Length and Connection are the server's own business). */
const SHOWN_HEADERS = ['content-type', 'grpc-metadata-content-type', 'trailer', 'x-content-type-options', 'access-control-allow-origin'];

export function describeAnswer(a: GatewayAnswer, body = a.body): string {
  const headers = SHOWN_HEADERS.filter((h) => a.headers[h] !== undefined).map((h) => `${h}=${String(a.headers[h])}`);
  const trailers = Object.entries(a.trailers).map(([k, v]) => `trailer ${k}=${String(v)}`);
  return [String(a.status), ...headers, ...trailers, body].join(' | ');
}

export interface PostOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** TLS for an https client URL: the CA, and the client certificate to present (PEM). */
export interface GatewayTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

type Request = (options: RequestOptions, callback: (res: IncomingMessage) => void) => ClientRequest;

export class GatewayClient {
  private readonly agent: Agent;
  private readonly send: Request;
  private readonly tlsOptions: RequestOptions;

  /**
   * `endpoint`: "host:port". With `tls`, requests go over https and offer HTTP/1.1 alone in ALPN, as
   * Python's urllib3 does (Node's client speaks no HTTP/2).
   */
  constructor(
    private readonly endpoint: string,
    tls?: GatewayTls,
    private readonly defaultHeaders: Readonly<Record<string, string>> = {},
  ) {
    if (tls === undefined) {
      this.agent = new Agent({ keepAlive: true, maxSockets: 64 });
      this.send = httpRequest;
      this.tlsOptions = {};
    } else {
      const secure = { ca: tls.ca, ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), servername: 'localhost', ALPNProtocols: ['http/1.1'] };
      this.tlsOptions = secure as RequestOptions;
      this.agent = new HttpsAgent({ keepAlive: true, maxSockets: 64, ...secure });
      this.send = httpsRequest;
    }
  }

  private target(): RequestOptions {
    const at = this.endpoint.lastIndexOf(':');
    return { host: this.endpoint.slice(0, at), port: Number(this.endpoint.slice(at + 1)), ...this.tlsOptions };
  }

  /** One request and its whole answer. */
  post(path: string, body: string | object | undefined, options: PostOptions = {}): Promise<GatewayAnswer> {
    return new Promise((resolve, reject) => {
      const req = this.send({ ...this.target(), path, method: options.method ?? 'POST', agent: this.agent, headers: { ...this.defaultHeaders, ...options.headers } }, (res) => {
        readAll(res).then(resolve, reject);
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${path} within 30 s`)));
      req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    });
  }

  /** A streaming call (Watch, LeaseKeepAlive, Observe): its answer read line by line. */
  stream(path: string, body: string | object | undefined, options: PostOptions & { readonly keepBodyOpen?: boolean } = {}): GatewayStream {
    const headers = { ...this.defaultHeaders, ...options.headers };
    return new GatewayStream(this.send, this.target(), path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), { ...options, headers });
  }

  close(): void {
    this.agent.destroy();
  }
}

function readAll(res: IncomingMessage): Promise<GatewayAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, body: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
}

/** A response read as it comes: the status line and headers, then one line at a time. */
export class GatewayStream {
  private readonly lines: string[] = [];
  private partial = '';
  private ended = false;
  private wake: (() => void) | undefined;
  private response: IncomingMessage | undefined;
  private readonly req: ClientRequest;
  readonly answered: Promise<IncomingMessage>;

  constructor(send: Request, target: RequestOptions, path: string, body: string | undefined, options: PostOptions & { readonly keepBodyOpen?: boolean }) {
    let started!: (res: IncomingMessage) => void;
    let failed!: (e: Error) => void;
    this.answered = new Promise<IncomingMessage>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    this.answered.catch(() => undefined);
    this.req = send({ ...target, path, method: options.method ?? 'POST', agent: false, headers: { ...options.headers } }, (res) => {
      this.response = res;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        this.partial += d;
        let nl: number;
        while ((nl = this.partial.indexOf('\n')) >= 0) {
          this.lines.push(this.partial.slice(0, nl));
          this.partial = this.partial.slice(nl + 1);
        }
        this.wake?.();
      });
      res.on('end', () => this.finish());
      res.on('close', () => this.finish());
      started(res);
    });
    this.req.on('error', (e) => {
      failed(e);
      this.finish();
    });
    if (body !== undefined) this.req.write(body);
    if (!options.keepBodyOpen) this.req.end();
    else this.req.flushHeaders();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.partial !== '') this.lines.push(this.partial);
    this.partial = '';
    this.wake?.();
  }

  /** Sends more of the request body (a body kept open). */
  send(body: string | object): void {
    this.req.write(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Ends the request body. */
  endBody(): void {
    this.req.end();
  }

  get status(): number | undefined {
    return this.response?.statusCode;
  }

  get headers(): IncomingHttpHeaders | undefined {
    return this.response?.headers;
  }

  /** The next line, or undefined once the response has ended; throws after `timeoutMs`. */
  async next(timeoutMs = 15_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0 && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no line from the stream in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.shift();
  }

  /** Whether nothing at all (not even a status line) came within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const timer = new Promise<'silent'>((resolve) => setTimeout(() => resolve('silent'), ms));
    return (await Promise.race([this.answered.then(() => 'answered' as const, () => 'answered' as const), timer])) === 'silent';
  }

  close(): void {
    this.req.destroy();
    this.response?.destroy();
  }
}
