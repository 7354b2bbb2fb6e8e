// A client port serves gRPC and HTTP/1.1 side by side, as etcd's does: each connection goes to one
// or the other by its first bytes (plaintext) or by ALPN (TLS). Closing the server ends every kind
// of connection without waiting for clients to hang up.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientServer } from '../../rpc/client-server.js';
import { createEtcdClient, type PutResponse, type RangeResponse } from '../../rpc/etcd-api.js';
import type { HttpHandler } from '../../rpc/http-handler.js';
import { listenHost } from '../../rpc/listen-address.js';
import { classifyOpening } from '../../rpc/protocol-sniff.js';
import { chooseAlpn } from '../../rpc/shared-port.js';
import { DEFAULT_TLS_POLICY } from '../../rpc/tls-policy.js';
import { ThrowawayMtls } from '../support/throwaway-mtls.js';
import { startClientServer } from './client-server-fixture.js';
import { TestMember } from './watch-test-member.js';

/** Answers GET /hello; a stream under /forever that never ends. */
const handlers: HttpHandler[] = [
  (req, res) => {
    if (req.url !== '/hello') return false;
    res.end(`hello over ${'encrypted' in req.socket ? 'tls' : 'tcp'}`);
    return true;
  },
  (req, res) => {
    if (req.url !== '/forever') return false;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('started\n');
    return true;
  },
];

interface Answer {
  readonly status: number;
  readonly body: string;
}

function read(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    res.on('error', reject);
  });
}

async function put(address: string, key: string, options: Parameters<typeof createEtcdClient>[2] = {}): Promise<PutResponse> {
  const kv = createEtcdClient('KV', address, options);
  try {
    return await new Promise<PutResponse>((resolve, reject) =>
      kv.Put({ key: Buffer.from(key), value: Buffer.from('v') }, new Metadata(), { deadline: Date.now() + 5000 }, (e: ServiceError | null, r?: PutResponse) => (e ? reject(e) : resolve(r!))),
    );
  } finally {
    kv.close();
  }
}

/** Sends raw bytes one at a time, then reads until the server closes or `until` shows up. */
async function dribble(port: number, text: string, until: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let seen = '';
  const done = new Promise<string>((resolve) => {
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes(until)) resolve(seen);
    });
    socket.on('close', () => resolve(seen));
  });
  socket.setNoDelay(true);
  for (const ch of text) {
    socket.write(ch);
    await new Promise((r) => setTimeout(r, 2));
  }
  const answer = await done;
  socket.destroy();
  return answer;
}

describe('a plaintext client port', () => {
  const member = new TestMember();
  let server: ClientServer;
  let port: number;

  beforeAll(async () => {
    server = await startClientServer(member, { httpHandlers: handlers });
    port = server.ports[0]!;
  });

  afterAll(async () => {
    await server?.close();
    member.close();
  });

  it('serves gRPC and HTTP/1.1 on the same port', async () => {
    const put1 = await put(`127.0.0.1:${port}`, 'shared');
    expect(Number(put1.header?.revision)).toBeGreaterThan(0);
    const hello = await new Promise<Answer>((resolve, reject) => httpRequest({ port, host: '127.0.0.1', path: '/hello' }, (res) => resolve(read(res))).on('error', reject).end());
    expect(hello).toEqual({ status: 200, body: 'hello over tcp' });
    const kv = createEtcdClient('KV', `127.0.0.1:${port}`);
    const got = await new Promise<RangeResponse>((resolve, reject) => kv.Range({ key: Buffer.from('shared') }, (e: ServiceError | null, r?: RangeResponse) => (e ? reject(e) : resolve(r!))));
    kv.close();
    expect(got.kvs.map((x) => x.key.toString())).toEqual(['shared']);
  });

  it('answers a path no handler takes as etcd does: 404 page not found', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => httpRequest({ port, host: '127.0.0.1', path: '/nothing-here' }, (res) => resolve(read(res))).on('error', reject).end());
    expect(answer).toEqual({ status: 404, body: '404 page not found\n' });
  });

  it('tells the protocol from an opening that arrives a byte at a time', async () => {
    const answer = await dribble(port, 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n', 'hello over tcp');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('hello over tcp');
  });

  it('answers bytes that are neither protocol as Go does, and keeps serving', async () => {
    // The start of a TLS ClientHello, sent to a plaintext port.
    const answer = await dribble(port, '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\r\n\r\n', '400 Bad Request');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(Number((await put(`127.0.0.1:${port}`, 'after-garbage')).header?.revision)).toBeGreaterThan(0);
  });

  it('classifies openings: the HTTP/2 preface, anything else, and too little to tell', () => {
    expect(classifyOpening(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0'))).toBe('h2');
    expect(classifyOpening(Buffer.from('PRI * HTTP/2.0'))).toBeUndefined();
    expect(classifyOpening(Buffer.from('P'))).toBeUndefined();
    expect(classifyOpening(Buffer.from('POST /v3/kv/put HTTP/1.1'))).toBe('http/1.1');
    expect(classifyOpening(Buffer.from('PRI * HTTP/1.1\r\n'))).toBe('http/1.1');
  });

  it('binds a name to one address, IPv4 first, as etcd\'s Go listener does', async () => {
    expect(await listenHost('localhost')).toBe('127.0.0.1');
    expect(await listenHost('::1')).toBe('::1');
    expect(await listenHost('127.0.0.1')).toBe('127.0.0.1');
  });

  it('offers HTTP/1.1 to TLS clients that offer it, HTTP/2 to those that offer only that', () => {
    expect(chooseAlpn(['h2', 'http/1.1'])).toBe('http/1.1');
    expect(chooseAlpn(['h2'])).toBe('h2');
    expect(chooseAlpn(['grpc-exp', 'h2'])).toBe('h2');
    expect(chooseAlpn(['http/1.1'])).toBe('http/1.1');
    expect(chooseAlpn(['spdy/3'])).toBeUndefined();
  });
});

describe('an https client port with client certificates required', () => {
  const member = new TestMember();
  let mtls: ThrowawayMtls;
  let server: ClientServer;
  let port: number;

  beforeAll(async () => {
    mtls = await ThrowawayMtls.create();
    server = await startClientServer(member, {
      listen: [{ address: '127.0.0.1:0', tls: { certFile: mtls.member.cert, keyFile: mtls.member.key, trustedCaFile: mtls.caFile, clientCertAuth: true, policy: DEFAULT_TLS_POLICY } }],
      httpHandlers: handlers,
    });
    port = server.ports[0]!;
  });

  afterAll(async () => {
    await server?.close();
    member.close();
    await mtls?.destroy();
  });

  const httpsGet = (path: string, alpn: string[] | undefined, withCert = true): Promise<Answer & { protocol: string | false }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          ca: readFileSync(mtls.caFile),
          ...(withCert ? { cert: readFileSync(mtls.client.cert), key: readFileSync(mtls.client.key) } : {}),
          ...(alpn ? { ALPNProtocols: alpn } : {}),
          servername: 'localhost',
          agent: false,
        },
        (res) => {
          const protocol = (res.socket as Socket & { alpnProtocol?: string | false }).alpnProtocol ?? false;
          read(res).then((a) => resolve({ ...a, protocol }), reject);
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('serves gRPC to a client that offers h2', async () => {
    const r = await put(`127.0.0.1:${port}`, 'over-tls', { credentials: mtls.clientCredentials() });
    expect(Number(r.header?.revision)).toBeGreaterThan(0);
  });

  it('serves HTTP/1.1 to a client that offers it beside h2 (as curl does), or offers nothing', async () => {
    expect(await httpsGet('/hello', ['h2', 'http/1.1'])).toEqual({ status: 200, body: 'hello over tls', protocol: 'http/1.1' });
    expect(await httpsGet('/hello', undefined)).toEqual({ status: 200, body: 'hello over tls', protocol: false });
  });

  it('refuses an HTTP client without a certificate, at the TLS layer', async () => {
    await expect(httpsGet('/hello', ['http/1.1'], false)).rejects.toThrow();
  });
});

describe('closing a client port', () => {
  it('ends idle and streaming HTTP connections and gRPC connections without waiting for their clients', async () => {
    const member = new TestMember();
    const server = await startClientServer(member, { httpHandlers: handlers });
    const port = server.ports[0]!;
    try {
      await put(`127.0.0.1:${port}`, 'before-close');
      // An idle keep-alive connection, and one whose response never ends.
      const idle = await dribble(port, 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n', 'hello over tcp');
      expect(idle).toContain('hello over tcp');
      const keptAlive = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => keptAlive.once('connect', resolve));
      keptAlive.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((resolve) => keptAlive.once('data', () => resolve()));
      const streaming = connect(port, '127.0.0.1');
      streaming.write('GET /forever HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((resolve) => streaming.once('data', () => resolve()));
      const kv = createEtcdClient('KV', `127.0.0.1:${port}`);
      await new Promise<void>((resolve) => kv.Range({ key: Buffer.from('k') }, () => resolve()));
      const closedBoth = Promise.all([keptAlive, streaming].map((s) => new Promise<void>((resolve) => s.once('close', () => resolve()))));

      const started = performance.now();
      await server.close(300);
      expect(performance.now() - started).toBeLessThan(2000);
      await closedBoth;
      kv.close();
      const refused = await new Promise<string>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      member.close();
      await server.close();
    }
  }, 15_000);
});
