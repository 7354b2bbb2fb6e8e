// One client's TCP connection: the connect handshake, then its requests — each taking effect in the
// order sent where order can matter (a session's requests are FIFO in ZooKeeper), side by side where
// it cannot — answered in the order sent; pings; watch events. A reply waits until every watch event
// up to its zxid has been written, so a client sees a change's event before any reply showing it.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  answerConnect,
  decodeConnectRequest,
  ERROR_CODE,
  expiredSessionResponse,
  decodeRequest,
  encodeConnectResponseFrame,
  encodeNotification,
  encodeReply,
  FrameDecoder,
  JuteDecodeError,
  KEEPER_STATE,
  XID,
  type ZooKeeperRequest,
  type ZooKeeperResponse,
} from '../jute/index.js';
import { digestAuthId, type ZkCaller } from '../tree/index.js';
import { footprintOf, mustFollow, type Footprint } from './request-footprint.js';
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
  /** Deletes the session's ephemerals in one txn (before its lease is revoked). */
  readonly closeSession: (caller: ZkCaller) => Promise<{ readonly zxid: bigint }>;
  /** A linearizable barrier: this member has applied everything committed before the call. */
  readonly sync: () => Promise<void>;
  readonly logger: Logger;
  readonly maxFrame?: number;
  /** --zookeeper-super-digest: the digest id ("user:base64(sha1)") whose addauth makes the connection super. */
  readonly superDigest?: string;
}

/** A request's result, ready to be written in its turn. */
interface Outcome {
  readonly xid: number;
  readonly err: number;
  readonly zxid: bigint;
  readonly response?: ZooKeeperResponse;
  readonly watches: readonly PendingWatch[];
  /** The connection ends after this reply (closeSession, a failed addauth). */
  readonly end: boolean;
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
  /** Requests started whose work is not done yet, with what they touch. */
  private readonly inFlight: { readonly footprint: Footprint; readonly done: Promise<void> }[] = [];
  /** The chain of replies, in the order their requests came. */
  private replies: Promise<void> = Promise.resolve();
  private handshake: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastPacketAt = Date.now();
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
      if (this.session === undefined && this.handshake === undefined) {
        this.handshake = this.shakeHands(body).catch((e: unknown) => this.fail(e));
      } else {
        this.session?.touch();
        this.accept(body);
      }
    }
  }

  /**
   * A request starts once the requests before it that it depends on are done (footprints say
   * which), so independent ones run side by side; replies still go out in the order sent.
   */
  private accept(body: Buffer): void {
    let req: ZooKeeperRequest;
    try {
      req = decodeRequest(body);
    } catch (e) {
      if (e instanceof JuteDecodeError && e.request !== undefined) {
        // A whole header with a record cut short: ZooKeeper answers MarshallingError and goes on.
        const xid = e.request.xid;
        const answered = Promise.all([this.handshake, ...this.inFlight.map((f) => f.done)]).then(
          (): Outcome => ({ xid, err: ERROR_CODE.MarshallingError, zxid: this.zxid(), watches: [], end: false }),
        );
        this.replies = this.replies.then(() => answered).then((o) => this.deliver(o)).catch((err: unknown) => this.fail(err));
        return;
      }
      this.deps.logger.warn({ err: e, remote: this.socket.remoteAddress }, 'zookeeper client sent a request that does not decode; closing its connection');
      this.close();
      return;
    }
    const footprint = footprintOf(req);
    const before = this.inFlight.filter((f) => mustFollow(f.footprint, footprint)).map((f) => f.done);
    const executed = Promise.all([this.handshake, ...before]).then(() => this.execute(req));
    const entry = { footprint, done: executed.then(() => undefined, () => undefined) };
    this.inFlight.push(entry);
    void entry.done.then(() => {
      const i = this.inFlight.indexOf(entry);
      if (i >= 0) this.inFlight.splice(i, 1);
    });
    this.replies = this.replies.then(() => executed).then((outcome) => this.deliver(outcome)).catch((e: unknown) => this.fail(e));
  }

  private fail(e: unknown): void {
    if (!this.closed && !isUnavailable(e)) this.deps.logger.warn({ err: e }, 'zookeeper request failed; closing the connection');
    this.close();
  }

  private async shakeHands(body: Buffer): Promise<void> {
    const req = decodeConnectRequest(body);
    if (req.lastZxidSeen > BigInt(this.deps.currentRevision())) {
      // The client saw more than this member has applied: catch up first, as a ZooKeeper server
      // refuses a client that is ahead of it.
      await this.deps.sync();
      if (req.lastZxidSeen > BigInt(this.deps.currentRevision())) throw new Error('client is ahead of this member');
    }
    const shake = await this.deps.opener.open(req);
    if (this.closed) return;
    if (shake.kind === 'expired') {
      this.write(encodeConnectResponseFrame(expiredSessionResponse(req)));
      this.end();
      return;
    }
    this.session = new SessionLease(this.deps.leases, shake.sessionId, shake.timeoutMs, () => this.close());
    this.unsubscribe = this.deps.dispatcher.subscribe(this);
    this.write(encodeConnectResponseFrame(answerConnect(req, { timeOut: shake.timeoutMs, sessionId: shake.sessionId, passwd: Buffer.from(shake.passwd) })));
    // ZooKeeper closes a connection that stays silent for the session timeout.
    const timeoutMs = shake.timeoutMs;
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastPacketAt > timeoutMs) this.close();
    }, Math.max(250, Math.floor(timeoutMs / 4)));
    this.idleTimer.unref();
  }

  /** Does what the request asks; the reply is written later, in order, by deliver(). */
  private async execute(req: ZooKeeperRequest): Promise<Outcome> {
    const xid = req.header.xid;
    const base = { xid, watches: [] as PendingWatch[], end: false };
    if (this.closed || this.session === undefined) return { ...base, xid: Number.NaN, err: 0, zxid: 0n };
    switch (req.type) {
      case 'ping':
        return { ...base, xid: XID.ping, err: 0, zxid: this.zxid() };
      case 'auth':
        return { ...base, ...this.auth(req) };
      case 'closeSession': {
        // The ephemerals go in one txn first, so their parents' cversion and pzxid move as in
        // ZooKeeper; then the lease.
        const closed = await this.deps.closeSession({ sessionId: this.session.id, authIds: [] }).catch(() => undefined);
        await this.session.close();
        return { ...base, err: 0, zxid: closed?.zxid ?? this.zxid(), end: true };
      }
      case 'unknown':
        // ZooKeeper answers an op it does not know with Unimplemented, then closes the connection.
        return { ...base, err: ERROR_CODE.Unimplemented, zxid: -1n, end: true };
      case 'whoAmI': {
        // As ZooKeeper 3.8 lists them: the ids addauth added, in order, then the connection's ip.
        const ids = [...this.authIds.filter((a) => a.scheme !== 'ip'), ...this.authIds.filter((a) => a.scheme === 'ip')];
        const clientInfo = ids.map((a) => ({ authScheme: a.scheme, user: whoAmIUser(a) }));
        return { ...base, err: 0, zxid: this.zxid(), response: { type: 'whoAmI', response: { clientInfo } } };
      }
      default:
        break;
    }
    const watches: PendingWatch[] = [];
    try {
      const answer = await this.deps.handler.handle(req, this.context(watches));
      const response = answer.err === 0 || req.type === 'multi' ? answer.response : undefined;
      return { ...base, err: answer.err, zxid: answer.zxid, watches, ...(response ? { response } : {}) };
    } catch (e) {
      if (isUnavailable(e)) throw e;
      this.deps.logger.warn({ err: e, op: req.type }, 'zookeeper request failed');
      return { ...base, err: ERROR_CODE.SystemError, zxid: this.zxid() };
    }
  }

  /**
   * Writes a reply once every watch event up to its zxid has been written, then sets the watches
   * its request asked for, firing what changed since its read.
   */
  private async deliver(o: Outcome): Promise<void> {
    if (Number.isNaN(o.xid) || this.closed) return;
    await this.deps.dispatcher.caughtUp(Number(o.zxid));
    this.write(encodeReply({ xid: o.xid, zxid: o.zxid, err: o.err }, o.response));
    for (const w of o.watches) {
      if (w.kind === 'data') this.watches.addData(w.path);
      else this.watches.addChild(w.path);
      for (const missed of this.deps.dispatcher.changesSince(Number(w.revision), w.path)) this.onZNodeEvent(missed);
    }
    if (o.end) this.end();
  }

  /**
   * addauth: digest ids are kept for the connection; anything else fails and, as ZooKeeper does, ends
   * it. The super digest's id also makes the connection super (every ACL allows it), as ZooKeeper's
   * DigestAuthenticationProvider does with its superDigest.
   */
  private auth(req: Extract<ZooKeeperRequest, { type: 'auth' }>): { xid: number; err: number; zxid: bigint; end: boolean } {
    const { scheme, auth } = req.request;
    const text = auth?.toString('utf8') ?? '';
    if (scheme !== 'digest' || !text.includes(':')) return { xid: XID.auth, err: ERROR_CODE.AuthFailed, zxid: 0n, end: true };
    const id = digestAuthId(text);
    const isSuper = Boolean(this.deps.superDigest) && id === this.deps.superDigest;
    if (isSuper && !this.authIds.some((a) => a.scheme === 'super')) this.authIds.push({ scheme: 'super', id: '' });
    if (!this.authIds.some((a) => a.scheme === 'digest' && a.id === id)) this.authIds.push({ scheme: 'digest', id });
    return { xid: XID.auth, err: 0, zxid: 0n, end: false };
  }

  /** Ends the connection once what was written has gone. */
  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.socket.end();
  }

  private context(watches: PendingWatch[]): SessionContext {
    return {
      caller: (): ZkCaller => ({ sessionId: this.session?.id ?? 0n, authIds: [...this.authIds] }),
      watchData: (path, revision) => watches.push({ kind: 'data', path, revision }),
      watchChildren: (path, revision) => watches.push({ kind: 'child', path, revision }),
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

/** A whoAmI entry's user as ZooKeeper names it: a digest's user, an ip's address, nothing for super. */
function whoAmIUser(a: { readonly scheme: string; readonly id: string }): string {
  return a.scheme === 'digest' ? (a.id.split(':')[0] ?? '') : a.id;
}
