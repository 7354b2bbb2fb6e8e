// The console's way to another member: an HTTP request to one of its client URLs (its JSON gateway,
// /health, /metrics), over https with the member's client-side CA and certificate when the URL is
// https. etcd's Status, Defragment and /metrics are each member's own, so the console asks each
// member itself instead of the one that served the page.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { CallOptions } from '../../rpc/call-options.js';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { CallSignal } from '../../rpc/call-options.js';
import type { ClientTls } from '../../rpc/tls-config.js';
import { ReloadingTlsFiles } from '../../rpc/tls-files.js';
import { nodeTlsPolicy } from '../../rpc/tls-policy.js';

export interface MemberRequest {
  readonly method: 'GET' | 'POST';
  /** "/v3/maintenance/status", "/health", … */
  readonly path: string;
  /** A JSON body for POST. */
  readonly body?: unknown;
  /** The caller's token, sent as etcd's gateway takes it. */
  readonly token?: string;
  /** Gives up after this long: a member that is paused or cut off must not hold the whole page. */
  readonly timeoutMs: number;
  readonly signal?: CallSignal;
}

export interface MemberResponse {
  readonly status: number;
  readonly text: string;
}

/** Answers are small (a status, the metrics text); a bigger one is not what was asked for. */
const MAX_ANSWER_BYTES = 4 << 20;

type HttpsOptions = Pick<RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean }, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> & {
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
};

/** The caller's token and signal, as a MemberRequest carries them on to another member. */
export function asCaller(call: CallOptions): Pick<MemberRequest, 'token' | 'signal'> {
  return { ...(call.auth?.token !== undefined ? { token: call.auth.token } : {}), ...(call.signal ? { signal: call.signal } : {}) };
}

export class MemberHttp {
  private readonly tlsFiles: ReloadingTlsFiles<HttpsOptions> | undefined;
  // Kept-alive connections: an open cluster page asks every member three things every 2 s, and a
  // new connection (a TLS handshake on https) each time would cost the members more than the answers.
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  /** `tls`: how this member dials https client URLs (undefined: the system's roots, no certificate). */
  constructor(tls: ClientTls | undefined) {
    if (!tls) return;
    const skip = tls.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
    this.tlsFiles = new ReloadingTlsFiles({ cert: tls.certFile, key: tls.keyFile, ca: tls.trustedCaFile }, (c) => ({
      ...nodeTlsPolicy(tls.policy),
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.cert ? { cert: c.cert } : {}),
      ...(c.key ? { key: c.key } : {}),
      ...skip,
    }));
  }

  /** Sends the request to the member at `origin` ("http://host:port"); rejects when it cannot be reached or takes too long. */
  send(origin: string, r: MemberRequest): Promise<MemberResponse> {
    const url = new URL(r.path, origin);
    const https = url.protocol === 'https:';
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    if (r.token !== undefined) headers['Authorization'] = r.token;
    // No SNI for an IP address (RFC 6066, and Node warns); the certificate's IP SAN is still checked.
    const sni = https && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 ? { servername: '' } : {};
    const options: RequestOptions = { method: r.method, headers, timeout: r.timeoutMs, agent: https ? this.httpsAgent : this.httpAgent, ...(https ? (this.tlsFiles?.current() ?? {}) : {}), ...sni };
    return new Promise<MemberResponse>((resolve, reject) => {
      const onAbort = (): void => void req.destroy(new Error('the console request was cancelled'));
      const done = (): void => r.signal?.removeEventListener('abort', onAbort);
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          size += b.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`${origin} answered more than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(b);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => {
          done();
          reject(e);
        });
      };
      const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      // A whole-request deadline: `timeout` alone only notices a silent socket.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)), r.timeoutMs);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)));
      req.on('error', (e) => {
        done();
        reject(e);
      });
      req.on('close', () => clearTimeout(timer));
      if (r.signal?.aborted) onAbort();
      else r.signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }
}
