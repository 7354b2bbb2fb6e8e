// One client's TCP connection: the connect handshake, then its requests one at a time in the order
// sent (a session's requests are FIFO in ZooKeeper), each answered before the next starts; pings;
// watch events. A reply waits until every watch event up to its zxid has been written, so a client
// sees a change's event before any reply showing the change.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponseFrame,
  encodeNotification,
  encodeReply,
  FrameDecoder,
  KEEPER_STATE,
  XID,
  type ZooKeeperRequest,
  type ZooKeeperResponse,
} from '../jute/index.js';
import { digestAuthId, type ZkCaller } from '../tree/index.js';
import { ZK_CODE } from './op-errors.js';
import type { RequestHandler, SessionContext } from './request-handler.js';
import { SessionLease } from './session-lease.js';
import type { SessionOpener } from './session-opener.js';
import { SessionWatches } from './session-watches.js';
import type { WatchDispatcher, WatchSubscriber } from './watch-dispatcher.js';
import type { ZNodeEvent } from './znode-events.js';
import type { LeaseBackend } from '../../rpc/lease-backend.js';

export interface ConnectionDeps {
  readonly handler: RequestHandler;
  readonly opener: SessionOpener;
  readonly leases: LeaseBackend;
  readonly dispatcher: WatchDispatcher;
  readonly currentRevision: () => number;
  /** A linearizable barrier: this member has applied everything committed before the call. */
  readonly sync: () => Promise<void>;
  readonly logger: Logger;
  readonly maxFrame?: number;
}

interface PendingWatch {
  readonly kind: 'data' | 'child';
  readonly path: string;
  readonly revision: bigint;
}

/** Errors of the cluster (no leader, timeouts): the client should retry elsewhere, as after a lost connection. */
function isUnavailable(e: unknown): boolean {
  const m = e instanceof Error ? e.message : '';
  return /no leader|timed out|too many requests|leader changed|stopped|not capable|unavailable|shut/i.test(m);
}

export class ZkConnection implements WatchSubscriber {
  private readonly decoder: FrameDecoder;
  private readonly watches = new SessionWatches();
  private readonly authIds: { scheme: string; id: string }[] = [];
  private session: SessionLease | undefined;
  private queue: Promise<void> = Promise.resolve();
  private pendingWatches: PendingWatch[] = [];
  private unsubscribe: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastPacketAt = Date.now();
  private handshaking = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.decoder = new FrameDecoder(deps.maxFrame);
    this.authIds.push({ scheme: 'ip', id: socket.remoteAddress?.replace(/^::ffff:/, '') ?? '' });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Whether the connection carries a session (for the listener's counts). */
  get sessionId(): bigint | undefined {
    return this.session?.id;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.watches.clear();
    this.socket.destroy();
  }

  onZNodeEvent(event: ZNodeEvent): void {
    const fired = this.watches.fire(event);
    if (fired) this.write(encodeNotification({ type: fired.type, state: KEEPER_STATE.syncConnected, path: fired.path }));
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.deps.logger.warn({ err: e, remote: this.socket.remoteAddress }, 'zookeeper client sent a packet over the limit; closing its connection');
      this.close();
      return;
    }
    for (const body of frames) {
      this.lastPacketAt = Date.now();
      if (this.session === undefined && !this.handshaking) {
        this.handshaking = true;
        this.enqueue(() => this.handshake(body));
      } else {
        this.session?.touch();
        this.enqueue(() => this.request(body));
      }
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((e: unknown) => {
      if (!isUnavailable(e)) this.deps.logger.warn({ err: e }, 'zookeeper request failed; closing the connection');
      this.close();
    });
  }

  private async handshake(body: Buffer): Promise<void> {
    if (this.closed) return;
    const req = decodeConnectRequest(body);
    if (req.lastZxidSeen > BigInt(this.deps.currentRevision())) {
      // The client saw more than this member has applied: catch up first, as a ZooKeeper server
      // refuses a client that is ahead of it.
      await this.deps.sync();
      if (req.lastZxidSeen > BigInt(this.deps.currentRevision())) {
        this.close();
        return;
      }
    }
    const shake = await this.deps.opener.open(req);
    const readOnly = req.readOnly === undefined ? {} : { readOnly: false };
    if (shake.kind === 'expired') {
      this.write(encodeConnectResponseFrame({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), ...readOnly }));
      this.socket.end();
      this.closed = true;
      return;
    }
    this.session = new SessionLease(this.deps.leases, shake.sessionId, shake.timeoutMs, () => this.close());
    this.unsubscribe = this.deps.dispatcher.subscribe(this);
    this.write(encodeConnectResponseFrame({ protocolVersion: 0, timeOut: shake.timeoutMs, sessionId: shake.sessionId, passwd: Buffer.from(shake.passwd), ...readOnly }));
    // ZooKeeper closes a connection that stays silent for the session timeout.
    const timeoutMs = shake.timeoutMs;
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastPacketAt > timeoutMs) this.close();
    }, Math.max(250, Math.floor(timeoutMs / 4)));
    this.idleTimer.unref();
  }

  private async request(body: Buffer): Promise<void> {
    if (this.closed) return;
    const req = decodeRequest(body);
    const xid = req.header.xid;
    switch (req.type) {
      case 'ping':
        this.write(encodeReply({ xid: XID.ping, zxid: this.zxid(), err: 0 }));
        return;
      case 'auth':
        this.auth(req);
        return;
      case 'closeSession':
        await this.session?.close();
        this.write(encodeReply({ xid, zxid: this.zxid(), err: 0 }));
        this.socket.end();
        this.closed = true;
        return;
      case 'whoAmI':
        this.reply(xid, 0, this.zxid(), {
          type: 'whoAmI',
          response: { clientInfo: this.authIds.map((a) => ({ authScheme: a.scheme, user: a.scheme === 'digest' ? (a.id.split(':')[0] ?? '') : a.id })) },
        });
        return;
      default:
        break;
    }
    try {
      const answer = await this.deps.handler.handle(req, this.context());
      await this.deps.dispatcher.caughtUp(Number(answer.zxid));
      // setWatches is answered with its own xid, as ZooKeeper does.
      const replyXid = req.type === 'setWatches' || req.type === 'setWatches2' ? XID.setWatches : xid;
      this.reply(replyXid, answer.err, answer.zxid, answer.err === 0 || req.type === 'multi' ? answer.response : undefined);
    } catch (e) {
      this.pendingWatches = [];
      if (isUnavailable(e)) throw e;
      this.deps.logger.warn({ err: e, op: req.type }, 'zookeeper request failed');
      this.reply(xid, ZK_CODE.systemError, this.zxid());
    }
  }

  /** Writes a reply, then sets the watches its request asked for, firing what changed since its read. */
  private reply(xid: number, err: number, zxid: bigint, response?: ZooKeeperResponse): void {
    this.write(encodeReply({ xid, zxid, err }, response));
    const pending = this.pendingWatches;
    this.pendingWatches = [];
    for (const w of pending) {
      if (w.kind === 'data') this.watches.addData(w.path);
      else this.watches.addChild(w.path);
      for (const missed of this.deps.dispatcher.changesSince(Number(w.revision), w.path)) this.onZNodeEvent(missed);
    }
  }

  private auth(req: Extract<ZooKeeperRequest, { type: 'auth' }>): void {
    const { scheme, auth } = req.request;
    const text = auth?.toString('utf8') ?? '';
    if (scheme !== 'digest' || !text.includes(':')) {
      // ZooKeeper answers a failed addauth with AuthFailed and closes the connection.
      this.write(encodeReply({ xid: XID.auth, zxid: 0n, err: ZK_CODE.authFailed }));
      this.socket.end();
      this.closed = true;
      return;
    }
    const id = digestAuthId(text);
    if (!this.authIds.some((a) => a.scheme === 'digest' && a.id === id)) this.authIds.push({ scheme: 'digest', id });
    this.write(encodeReply({ xid: XID.auth, zxid: 0n, err: 0 }));
  }

  private context(): SessionContext {
    return {
      caller: (): ZkCaller => ({ sessionId: this.session?.id ?? 0n, authIds: this.authIds }),
      watchData: (path, revision) => this.pendingWatches.push({ kind: 'data', path, revision }),
      watchChildren: (path, revision) => this.pendingWatches.push({ kind: 'child', path, revision }),
      watchPersistent: (path, recursive) => this.watches.addPersistent(path, recursive),
      hasWatch: (path, type) => this.watches.has(path, type),
      removeWatch: (path, type) => this.watches.remove(path, type),
      notify: (type, path) => this.write(encodeNotification({ type, state: KEEPER_STATE.syncConnected, path })),
      currentZxid: () => this.zxid(),
    };
  }

  private zxid(): bigint {
    return BigInt(this.deps.currentRevision());
  }

  private write(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }
}
