// The :authority filter, on real HTTP/2 traffic: Node's own HTTP/2 client (nghttp2, which
// Huffman-codes and indexes :authority as Go's client does) sends the authority etcdctl --cluster
// sends, `http://host:port`, to Node's HTTP/2 server, which refuses it unless the filter rewrote it.
// Also the bytes themselves: split at every chunk boundary, padded, with CONTINUATION frames.
import http2, { type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { createServer, Socket, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { admitH2 } from '../../rpc/h2-admission.js';
import { fixAuthority, H2AuthorityFilter, H2AuthorityRewriter, rewriteHeaderBlock } from '../../rpc/h2-authority-filter.js';
import { huffmanDecode } from '../../rpc/hpack-huffman.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** What Node's HTTP/2 client sends for these requests (client-to-server bytes), up to `settleMs`. */
async function capture(requests: ReadonlyArray<Record<string, string>>, options: http2.ClientSessionOptions = {}): Promise<Buffer> {
  const got: Buffer[] = [];
  const tcp = createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => got.push(d));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as { port: number }).port;
  const client = http2.connect(`http://127.0.0.1:${port}`, options);
  client.on('error', () => undefined);
  for (const headers of requests) {
    const r = client.request({ ':path': '/', ...headers });
    r.on('error', () => undefined);
    r.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  client.destroy();
  tcp.close();
  return Buffer.concat(got);
}

interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

function frames(bytes: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let at = 24; at + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(at, 3);
    out.push({ type: bytes[at + 3]!, flags: bytes[at + 4]!, stream: bytes.readUInt32BE(at + 5), payload: bytes.subarray(at + 9, at + 9 + length) });
    at += 9 + length;
  }
  return out;
}

/** A Node HTTP/2 server that answers each request with the :authority it saw; connections through `wrap`. */
async function echoServer(wrap: (socket: Socket, handOn: (c: Duplex) => void) => void): Promise<{ port: number; h2: Http2Server }> {
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers: IncomingHttpHeaders) => {
    stream.respond({ ':status': 200 });
    stream.end(String(headers[':authority']));
  });
  const tcp: NetServer = createServer((socket) => {
    // As the listeners do: a client that resets its connection is no error of the server's.
    socket.on('error', () => undefined);
    wrap(socket, (c) => h2.emit('connection', c));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    tcp.close();
    h2.close();
  });
  return { port: (tcp.address() as { port: number }).port, h2 };
}

function ask(client: ClientHttp2Session, headers: Record<string, string>, send?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = client.request({ ':path': '/', ...headers });
    const body: Buffer[] = [];
    r.on('data', (d: Buffer) => body.push(d));
    r.on('end', () => resolve(Buffer.concat(body).toString()));
    r.on('error', reject);
    r.end(send);
  });
}

function connectTo(port: number, options: http2.ClientSessionOptions = {}): ClientHttp2Session {
  const client = http2.connect(`http://127.0.0.1:${port}`, options);
  client.on('error', () => undefined);
  closers.push(() => client.destroy());
  return client;
}

describe('fixAuthority', () => {
  it('strips a scheme and a path, and leaves a valid authority alone', () => {
    expect(fixAuthority('http://127.0.0.1:23791')).toBe('127.0.0.1:23791');
    expect(fixAuthority('https://[::1]:2379/')).toBe('[::1]:2379');
    expect(fixAuthority('unix://host/x')).toBe('host');
    expect(fixAuthority('127.0.0.1:2379')).toBeUndefined();
    expect(fixAuthority('localhost')).toBeUndefined();
  });
});

describe('huffmanDecode', () => {
  it('decodes what nghttp2 Huffman-codes, for every printable character it knows', async () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))
      .filter((c) => c !== '\\')
      .join('');
    // Mixed with short codes so that nghttp2 picks Huffman over the plain string.
    const values = [printable, 'http://127.0.0.1:23791', 'aaaaaaaaaa' + printable + 'eeeeeeeeeeeeeeeeeeee'];
    const bytes = await capture([Object.fromEntries(values.map((v, i) => [`x-v${i}`, v]))]);
    const headers = frames(bytes).find((f) => f.type === 1)!;
    const decoded: string[] = [];
    const block = headers.payload;
    // Walk the literals "without indexing"/"incremental" with a literal name: x-v0, x-v1, x-v2.
    for (let i = 0; i < block.length; ) {
      const b = block[i]!;
      if (b & 0x80) {
        i++;
        continue;
      }
      const prefix = (b & 0xc0) === 0x40 ? 0x3f : 0x0f;
      let index = b & prefix;
      i++;
      if (index === prefix) while (block[i++]! & 0x80) index = -1;
      const readStr = (): { huff: boolean; bytes: Buffer } => {
        const h = (block[i]! & 0x80) !== 0;
        let len = block[i]! & 0x7f;
        i++;
        if (len === 0x7f) {
          let shift = 0;
          len = 0x7f;
          for (;;) {
            const c = block[i++]!;
            len += (c & 0x7f) << shift;
            shift += 7;
            if (!(c & 0x80)) break;
          }
        }
        const out = block.subarray(i, i + len);
        i += len;
        return { huff: h, bytes: out };
      };
      if (index === 0) readStr();
      const v = readStr();
      const text = v.huff ? huffmanDecode(v.bytes)?.toString('latin1') : v.bytes.toString('latin1');
      if (text !== undefined && values.includes(text)) decoded.push(text);
      if (v.huff) expect(text).toBeDefined();
    }
    expect(decoded.sort()).toEqual([...values].sort());
  });

  it('refuses padding that is not EOS and symbols it does not know', () => {
    expect(huffmanDecode(Buffer.from([0x00]))).toBeUndefined(); // '0' then three zero bits
    expect(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(huffmanDecode(Buffer.from([0x07]))?.toString()).toBe('0'); // '0' (00000) then 111
  });
});

describe('rewriteHeaderBlock', () => {
  it('keeps the representation and the rest of the block byte for byte', () => {
    // RFC 7541 C.2.1-style: literal with incremental indexing, name index 1 (:authority), plain value;
    // then an indexed field (:method GET), then a literal never indexed with a literal name.
    const value = Buffer.from('http://a:1');
    const tail = Buffer.concat([Buffer.from([0x82, 0x10, 0x03]), Buffer.from('x-k'), Buffer.from([0x01]), Buffer.from('v')]);
    const block = Buffer.concat([Buffer.from([0x41, value.length]), value, tail]);
    const out = rewriteHeaderBlock(block)!;
    expect(out).toEqual(Buffer.concat([Buffer.from([0x41, 3]), Buffer.from('a:1'), tail]));
    // Without indexing, literal name ":authority".
    const literalName = Buffer.concat([Buffer.from([0x00, 10]), Buffer.from(':authority'), Buffer.from([value.length]), value]);
    expect(rewriteHeaderBlock(literalName)).toEqual(Buffer.concat([Buffer.from([0x00, 10]), Buffer.from(':authority'), Buffer.from([3]), Buffer.from('a:1')]));
    // Nothing to do: undefined, the caller passes the frames on as they came.
    expect(rewriteHeaderBlock(Buffer.from([0x41, 3, 0x61, 0x3a, 0x31, 0x82]))).toBeUndefined();
    expect(rewriteHeaderBlock(Buffer.from([0x3f, 0xe1, 0x1f, 0x82]))).toBeUndefined(); // size update
  });
});

describe('H2AuthorityRewriter', () => {
  it('gives the same bytes whatever the chunk boundaries, and passes a clean connection unchanged', async () => {
    const bad = await capture([
      { ':authority': 'http://127.0.0.1:23791' },
      { ':authority': 'http://127.0.0.1:23791' },
    ]);
    const whole = Buffer.concat(new H2AuthorityRewriter().feed(bad));
    expect(whole.equals(bad)).toBe(false);
    expect(whole.toString('latin1')).toContain('127.0.0.1:23791');
    const r = new H2AuthorityRewriter();
    const bytewise = Buffer.concat(Array.from(bad, (_, i) => Buffer.concat(r.feed(bad.subarray(i, i + 1)))));
    expect(bytewise).toEqual(whole);
    expect(r.headerBlocks).toBe(2);
    // The second request refers to the first one's :authority entry by index: nothing to rewrite.
    expect(r.rewrittenBlocks).toBe(1);

    const good = await capture([{ ':authority': '127.0.0.1:23791' }]);
    expect(Buffer.concat(new H2AuthorityRewriter().feed(good))).toEqual(good);
  });

  it('drops the SETTINGS acknowledgement it was told to, and nothing else', () => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const ack = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
    const r = new H2AuthorityRewriter({ dropSettingsAcks: 1 });
    expect(Buffer.concat(r.feed(Buffer.concat([preface, settings, ack, ack])))).toEqual(Buffer.concat([preface, settings, ack]));
    expect(r.settingsAcksDropped).toBe(true);
  });
});

describe('H2AuthorityFilter in front of Node HTTP/2 server', () => {
  it('without it, Node refuses the authority etcdctl --cluster sends', async () => {
    const { port } = await echoServer((socket, handOn) => handOn(socket));
    const client = connectTo(port);
    await expect(ask(client, { ':authority': 'http://127.0.0.1:23791' })).rejects.toThrow(/PROTOCOL_ERROR|RST_STREAM|protocol/i);
  });

  it('with it, requests go through, also later ones that refer to the rewritten entry by index', async () => {
    const { port } = await echoServer((socket, handOn) => handOn(new H2AuthorityFilter(socket, new H2AuthorityRewriter())));
    const client = connectTo(port);
    for (let i = 0; i < 3; i++) expect(await ask(client, { ':authority': 'http://127.0.0.1:23791' })).toBe('127.0.0.1:23791');
    // A different authority after: a new literal, rewritten too; then the first again.
    expect(await ask(client, { ':authority': 'https://localhost:2379' })).toBe('localhost:2379');
    expect(await ask(client, { ':authority': 'http://127.0.0.1:23791' })).toBe('127.0.0.1:23791');
    expect(await ask(client, { ':authority': 'fine:1' })).toBe('fine:1');
  });

  it('handles header blocks continued in CONTINUATION frames', async () => {
    const big = 'v'.repeat(20_000);
    const bytes = await capture([{ ':authority': 'http://127.0.0.1:23791', 'x-big': big }]);
    expect(frames(bytes).map((f) => f.type)).toContain(9); // CONTINUATION

    const { port } = await echoServer((socket, handOn) => handOn(new H2AuthorityFilter(socket, new H2AuthorityRewriter())));
    const client = connectTo(port);
    expect(await ask(client, { ':authority': 'http://127.0.0.1:23791', 'x-big': big })).toBe('127.0.0.1:23791');
    expect(await ask(client, { ':authority': 'http://127.0.0.1:23791', 'x-big': big })).toBe('127.0.0.1:23791');
  });

  it('handles a PADDED, PRIORITY HEADERS frame whose block goes on in a CONTINUATION frame', async () => {
    // nghttp2 pads only what fits one frame: the frames are built here from its header block.
    const bytes = await capture([{ ':authority': 'http://127.0.0.1:23791' }]);
    const all = frames(bytes);
    const headers = all.find((f) => f.type === 1)!;
    expect(headers.flags & 0x28).toBe(0);
    const block = headers.payload;
    const cut = 3; // inside the :authority literal
    const padding = Buffer.alloc(7);
    const priority = Buffer.from([0, 0, 0, 0, 15]);
    const firstPayload = Buffer.concat([Buffer.from([padding.length]), priority, block.subarray(0, cut), padding]);
    const head = (length: number, type: number, flags: number): Buffer => {
      const h = Buffer.alloc(9);
      h.writeUIntBE(length, 0, 3);
      h[3] = type;
      h[4] = flags;
      h.writeUInt32BE(headers.stream, 5);
      return h;
    };
    const rebuilt = Buffer.concat([
      head(firstPayload.length, 1, (headers.flags & 0x1) | 0x8 | 0x20),
      firstPayload,
      head(block.length - cut, 9, 0x4),
      block.subarray(cut),
    ]);
    const at = bytes.indexOf(Buffer.concat([head(block.length, 1, headers.flags), block]));
    expect(at).toBeGreaterThan(0);
    const wire = Buffer.concat([bytes.subarray(0, at), rebuilt, bytes.subarray(at + 9 + block.length)]);

    const { port, h2 } = await echoServer((socket, handOn) => handOn(new H2AuthorityFilter(socket, new H2AuthorityRewriter())));
    const seen = new Promise<string>((resolve) => h2.once('stream', (_s, h: IncomingHttpHeaders) => resolve(String(h[':authority']))));
    const raw = new Socket();
    closers.push(() => raw.destroy());
    raw.on('error', () => undefined);
    raw.connect(port, '127.0.0.1', () => {
      // In pieces, cutting the frames anywhere.
      for (let i = 0; i < wire.length; i += 5) raw.write(wire.subarray(i, i + 5));
    });
    expect(await seen).toBe('127.0.0.1:23791');
  });
});

describe('admitH2', () => {
  async function throughGate(authority: string): Promise<{ answer: string; native: boolean }> {
    let native: boolean | undefined;
    const { port } = await echoServer((socket, handOn) =>
      admitH2(socket, 'auto', (c) => {
        native = c instanceof Socket;
        handOn(c);
      }),
    );
    const client = connectTo(port);
    // A POST: its DATA frame follows the HEADERS frame at once, as a gRPC call's does.
    const answer = await ask(client, { ':authority': authority, ':method': 'POST' }, Buffer.alloc(300));
    // The connection keeps working after the decision.
    expect(await ask(client, { ':authority': authority })).toBe(answer);
    return { answer, native: native! };
  }

  it('hands a connection with a valid authority on natively', async () => {
    expect(await throughGate('127.0.0.1:2379')).toEqual({ answer: '127.0.0.1:2379', native: true });
  });

  it('sends a connection with a URL for authority through the filter', async () => {
    expect(await throughGate('http://127.0.0.1:2379')).toEqual({ answer: '127.0.0.1:2379', native: false });
  });

  it('sends a connection that pings before any request through the filter, without waiting', async () => {
    const admitted = new Promise<boolean>((resolve) => {
      const tcp = createServer((socket) => {
        socket.on('error', () => undefined);
        admitH2(socket, 'auto', (c) => {
          resolve(c instanceof Socket);
          c.destroy();
        });
      });
      tcp.listen(0, '127.0.0.1', () => {
        const raw = new Socket();
        raw.on('error', () => undefined);
        closers.push(() => {
          raw.destroy();
          tcp.close();
        });
        raw.connect((tcp.address() as { port: number }).port, '127.0.0.1', () => {
          const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
          const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
          const ping = Buffer.concat([Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0]), Buffer.alloc(8)]);
          raw.write(Buffer.concat([preface, settings, ping]));
        });
      });
    });
    expect(await admitted).toBe(false);
  });
});
