// The DNS load generator: queries over one UDP socket, `clients` in flight, through the closed loop.
// Queries are encoded once and only their id changes; a reply is matched to its query by id and
// checked from its header alone (NOERROR, not truncated, at least one answer). A query without a
// reply in QUERY_TIMEOUT_MS counts as an error, so a lost datagram does not stall its worker.
import { createSocket, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import type { Issue } from './closed-loop.js';

const QUERY_TIMEOUT_MS = 1000;
/** What a stub resolver offers today (BIND's and dig's default EDNS0 size). */
const EDNS_UDP_BYTES = 1232;

export interface DnsQuestion {
  readonly name: string;
  readonly type: RecordType;
}

interface Pending {
  readonly done: (err: Error | null) => void;
  readonly sentAt: number;
}

export class DnsLoad {
  private readonly pending = new Map<number, Pending>();
  private readonly templates: readonly Buffer[];
  private nextId = 0;
  private sweeper: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly port: number,
    private readonly host: string,
    questions: readonly DnsQuestion[],
  ) {
    this.templates = questions.map((q) =>
      dnsPacket.encode({
        type: 'query',
        id: 0,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [q],
        additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
      }),
    );
    socket.on('message', (msg) => this.onReply(msg));
    this.sweeper = setInterval(() => this.sweep(), QUERY_TIMEOUT_MS / 5);
  }

  static async open(host: string, port: number, questions: readonly DnsQuestion[]): Promise<DnsLoad> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new DnsLoad(socket, port, host, questions);
  }

  /** The closed loop's issue: request n asks question n (round robin over the questions). */
  readonly issue: Issue = (_worker, n, done) => {
    const id = this.freeId();
    const query = Buffer.from(this.templates[n % this.templates.length]!);
    query.writeUInt16BE(id, 0);
    this.pending.set(id, { done, sentAt: performance.now() });
    this.socket.send(query, this.port, this.host, (err) => {
      if (!err) return;
      this.pending.delete(id);
      done(err);
    });
  };

  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.socket.close();
  }

  private freeId(): number {
    do this.nextId = (this.nextId + 1) & 0xffff;
    while (this.pending.has(this.nextId));
    return this.nextId;
  }

  private onReply(msg: Buffer): void {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const flags = msg.readUInt16BE(2);
    const rcode = flags & 0xf;
    if (rcode !== 0) p.done(new Error(`rcode ${rcode}`));
    else if (flags & (1 << 9)) p.done(new Error('truncated'));
    else if (msg.readUInt16BE(6) === 0) p.done(new Error('no answers'));
    else p.done(null);
  }

  private sweep(): void {
    const stale = performance.now() - QUERY_TIMEOUT_MS;
    for (const [id, p] of this.pending) {
      if (p.sentAt > stale) continue;
      this.pending.delete(id);
      p.done(new Error(`no answer in ${QUERY_TIMEOUT_MS} ms`));
    }
  }
}
