// A small ZooKeeper client on Lodestone's own Jute codec: one connection, requests pipelined by xid,
// watch events to a callback, pings while idle. The benchmark drives real ZooKeeper and Lodestone
// with it alike; tests use it where a Python client would only add a process.
import { connect as netConnect, type Socket } from 'node:net';
import {
  decodeConnectResponseBody,
  decodeReply,
  encodeConnectRequestBody,
  encodeFrame,
  encodeRequest,
  FrameDecoder,
  OP_CODE,
  XID,
  type ReplyHeader,
  type WatcherEvent,
  type ZooKeeperRequest,
  type ZooKeeperResponse,
  type ZooKeeperResponseType,
} from '../../zookeeper/jute/index.js';

type Body<T extends ZooKeeperRequest['type']> = Extract<ZooKeeperRequest, { type: T }>['request'];

export interface ZkReply {
  readonly header: ReplyHeader;
  readonly response?: ZooKeeperResponse;
}

export class ZkClientError extends Error {
  override readonly name = 'ZkClientError';

  constructor(readonly code: number, op: string) {
    super(`ZooKeeper ${op} failed with error ${code}`);
  }
}

interface Pending {
  readonly op: ZooKeeperResponseType | undefined;
  readonly resolve: (r: ZkReply) => void;
  readonly reject: (e: Error) => void;
}

const RESPONSE_OPS: ReadonlySet<string> = new Set([
  'create', 'create2', 'createTTL', 'createContainer', 'exists', 'getData', 'setData', 'getACL', 'setACL',
  'getChildren', 'getChildren2', 'sync', 'multi', 'multiRead', 'getEphemerals', 'getAllChildrenNumber', 'whoAmI',
]);

export class ZkTestClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextXid = 1;
  private pinger: NodeJS.Timeout | undefined;
  readonly events: WatcherEvent[] = [];
  onEvent: (e: WatcherEvent) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    readonly sessionId: bigint,
    readonly password: Buffer,
    readonly timeoutMs: number,
  ) {}

  /** Connects and makes (or, given `session`, re-attaches) a session. Rejects when the server says it expired. */
  static async connect(host: string, port: number, options: { timeoutMs?: number; session?: { id: bigint; password: Buffer }; lastZxid?: bigint } = {}): Promise<ZkTestClient> {
    const socket = netConnect(port, host);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const decoder = new FrameDecoder();
    const body = encodeConnectRequestBody({
      protocolVersion: 0,
      lastZxidSeen: options.lastZxid ?? 0n,
      timeOut: options.timeoutMs ?? 10_000,
      sessionId: options.session?.id ?? 0n,
      passwd: options.session?.password ?? Buffer.alloc(16),
      readOnly: false,
    });
    socket.write(encodeFrame(body));
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        const [frame] = decoder.push(chunk);
        if (frame) {
          socket.off('data', onData);
          resolve(frame);
        }
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error('the server closed the connection during the handshake')));
    });
    const res = decodeConnectResponseBody(answer);
    if (res.timeOut <= 0) {
      socket.destroy();
      throw new ZkClientError(-112, 'connect');
    }
    const client = new ZkTestClient(socket, res.sessionId, res.passwd ?? Buffer.alloc(16), res.timeOut);
    client.start();
    return client;
  }

  private start(): void {
    this.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.onFrame(frame);
    });
    this.socket.on('close', () => {
      if (this.pinger) clearInterval(this.pinger);
      for (const p of this.pending.values()) p.reject(new Error('connection lost'));
      this.pending.clear();
    });
    this.socket.on('error', () => undefined);
    this.pinger = setInterval(() => {
      void this.raw('ping', null, XID.ping).catch(() => undefined);
    }, Math.max(500, Math.floor(this.timeoutMs / 3)));
    this.pinger.unref();
  }

  private onFrame(frame: Buffer): void {
    const xid = frame.readInt32BE(0);
    if (xid === XID.notification) {
      const { event } = decodeReply(frame, undefined);
      if (event) {
        this.events.push(event);
        this.onEvent(event);
      }
      return;
    }
    const p = this.pending.get(xid);
    if (!p) return;
    this.pending.delete(xid);
    try {
      p.resolve(decodeReply(frame, p.op));
    } catch (e) {
      p.reject(e as Error);
    }
  }

  /** Sends one request and resolves with the reply, whatever its error code. */
  raw<T extends ZooKeeperRequest['type']>(type: T, request: Body<T>, xid?: number): Promise<ZkReply> {
    const x = xid ?? this.nextXid++;
    const op = OP_CODE[type as keyof typeof OP_CODE];
    const req = { type, header: { xid: x, type: op }, request } as ZooKeeperRequest;
    const responseOp = RESPONSE_OPS.has(type) ? (type as ZooKeeperResponseType) : undefined;
    return new Promise((resolve, reject) => {
      this.pending.set(x, { op: responseOp, resolve, reject });
      this.socket.write(encodeFrame(encodeRequest(req)));
    });
  }

  /** Sends one request; rejects with ZkClientError when the reply's error code is not 0. */
  async call<T extends ZooKeeperRequest['type']>(type: T, request: Body<T>): Promise<ZkReply> {
    const reply = await this.raw(type, request);
    if (reply.header.err !== 0) throw new ZkClientError(reply.header.err, type);
    return reply;
  }

  /** Ends the session (its ephemerals go) and the connection. */
  async close(): Promise<void> {
    await this.raw('closeSession', null).catch(() => undefined);
    this.socket.destroy();
  }

  /** Drops the connection without ending the session, as a client that lost its network does. */
  drop(): void {
    this.socket.destroy();
  }
}
