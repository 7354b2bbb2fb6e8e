// Helpers for the peer transport's tests: a handler that records what the transport reports and
// lets a test wait for a condition (event-driven, no polling), transports on free loopback ports,
// numbered messages whose order can be checked, and a logger whose records a test can read.

import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Message, SnapshotMessage } from '../../raft/messages.js';
import type { NodeId } from '../../raft/types.js';
import type { ForwardRequestIn, ForwardResponseOut } from '../../rpc/peer-service.js';
import { PeerTransport, type PeerHandler, type PeerTransportLimits } from '../../rpc/peer-transport.js';

export interface StagedSnapshot {
  readonly message: SnapshotMessage;
  readonly bytes: number;
  readonly sha256: string;
}

export class RecordingHandler implements PeerHandler {
  readonly received: Message[] = [];
  /** The size of each onMessages call: one per batch. */
  readonly batchSizes: number[] = [];
  readonly unreachable: NodeId[] = [];
  /** Peers that refused this member as removed from the cluster. */
  readonly removedBy: NodeId[] = [];
  readonly snapshotStatuses: { id: NodeId; ok: boolean }[] = [];
  readonly staged: StagedSnapshot[] = [];
  readonly stagingErrors: unknown[] = [];
  /** The payload sent with a snapshot message; empty unless a test sets it. */
  payloadFor: (m: SnapshotMessage) => AsyncIterable<Uint8Array> = () => chunks([]);
  /** Requests peers passed on with Forward, and who sent each. */
  readonly forwarded: { request: ForwardRequestIn; from: NodeId }[] = [];
  /** How a forwarded request is answered; by default as a refusal naming etcd's "not leader". */
  answerForward: (request: ForwardRequestIn, from: NodeId) => Promise<ForwardResponseOut> = () => Promise.resolve({ etcd_error: 'ETCD_NOT_LEADER' });
  /** How a received payload is staged; by default hashed as it streams in. */
  stage: (m: SnapshotMessage, payload: AsyncIterable<Uint8Array>) => Promise<StagedSnapshot> = hashPayload;
  private readonly waiters = new Waiters();

  onMessages(messages: Message[]): void {
    this.received.push(...messages);
    this.batchSizes.push(messages.length);
    this.notify();
  }

  async onSnapshot(message: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      this.staged.push(await this.stage(message, payload));
    } catch (error) {
      this.stagingErrors.push(error);
      throw error;
    } finally {
      this.notify();
    }
  }

  snapshotPayload(message: SnapshotMessage): AsyncIterable<Uint8Array> {
    return this.payloadFor(message);
  }

  onForward(request: ForwardRequestIn, from: NodeId): Promise<ForwardResponseOut> {
    this.forwarded.push({ request, from });
    return this.answerForward(request, from);
  }

  onUnreachable(id: NodeId): void {
    this.unreachable.push(id);
    this.notify();
  }

  onRemovedFromCluster(by: NodeId): void {
    this.removedBy.push(by);
    this.notify();
  }

  onSnapshotStatus(id: NodeId, ok: boolean): void {
    this.snapshotStatuses.push({ id, ok });
    this.notify();
  }

  /** Resolves once `check` holds; checked now and after every report. */
  until(check: () => boolean): Promise<void> {
    return this.waiters.until(check);
  }

  receivedFrom(id: NodeId): Message[] {
    return this.received.filter((m) => m.from === id);
  }

  /** Re-checks the conditions awaited with until(); for tests that replace a callback. */
  notify(): void {
    this.waiters.notify();
  }
}

/** Conditions awaited until an event makes them true. */
export class Waiters {
  private waiting: { check: () => boolean; resolve: () => void }[] = [];

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ check, resolve }));
  }

  notify(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (w.check()) w.resolve();
      else this.waiting.push(w);
    }
  }
}

export async function hashPayload(message: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<StagedSnapshot> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of payload) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { message, bytes, sha256: hash.digest('hex') };
}

export async function* chunks(list: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const c of list) yield c;
}

/** `size` pseudo-random bytes (a fixed seed) in pieces of `pieceBytes`, made as they are read. */
export async function* generatedPayload(size: number, pieceBytes: number, onPiece?: (index: number) => void): AsyncIterable<Uint8Array> {
  let state = 0x2545f491;
  let index = 0;
  for (let at = 0; at < size; at += pieceBytes) {
    const piece = new Uint8Array(Math.min(pieceBytes, size - at));
    for (let i = 0; i < piece.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      piece[i] = state >>> 24;
    }
    onPiece?.(index++);
    yield piece;
  }
}

export async function sha256Of(payload: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of payload) hash.update(chunk);
  return hash.digest('hex');
}

export interface Member {
  readonly id: NodeId;
  readonly transport: PeerTransport;
  readonly handler: RecordingHandler;
  readonly address: string;
}

export interface MemberOptions {
  readonly clusterId?: string;
  readonly listen?: string;
  readonly limits?: Partial<PeerTransportLimits>;
  readonly logger?: Logger;
  readonly isRemoved?: (id: NodeId) => boolean;
}

export async function startMember(id: NodeId, options: MemberOptions = {}): Promise<Member> {
  const handler = new RecordingHandler();
  const transport = new PeerTransport({
    selfId: id,
    clusterId: options.clusterId ?? 'test-cluster',
    listen: options.listen ?? '127.0.0.1:0',
    handler,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.isRemoved === undefined ? {} : { isRemoved: options.isRemoved }),
  });
  await transport.start();
  return { id, transport, handler, address: `127.0.0.1:${transport.port}` };
}

/** Members 1..count, each knowing all the others. */
export async function startCluster(count: number, options: MemberOptions = {}): Promise<Member[]> {
  const members: Member[] = [];
  for (let id = 1; id <= count; id++) members.push(await startMember(id, options));
  for (const a of members) for (const b of members) if (a !== b) a.transport.setPeer(b.id, [b.address]);
  return members;
}

export async function closeAll(members: readonly Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.transport.close()));
}

/** A loopback port nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const entryData = new Uint8Array(100).fill(7);

/** Message number `seq` from `from` to `to`; the types vary, and sequenceOf reads `seq` back. */
export function numbered(from: NodeId, to: NodeId, seq: number): Message {
  switch (seq % 4) {
    case 0:
      return {
        type: 'append',
        from,
        to,
        term: 1,
        prevIndex: seq,
        prevTerm: 1,
        commit: seq,
        entries: [{ type: 'normal', term: 1, index: seq + 1, data: entryData }],
      };
    case 1:
      return { type: 'heartbeat', from, to, term: 1, commit: seq, context: '' };
    case 2:
      return { type: 'appendResp', from, to, term: 1, index: seq, reject: false, rejectHint: 0, rejectTerm: 0 };
    default:
      return { type: 'readIndexResp', from, to, term: 1, index: seq, context: `r${seq}` };
  }
}

export function sequenceOf(m: Message): number {
  switch (m.type) {
    case 'append':
      return m.prevIndex;
    case 'heartbeat':
      return m.commit;
    case 'appendResp':
    case 'readIndexResp':
      return m.index;
    default:
      throw new Error(`not a numbered message: ${m.type}`);
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface RecordingLogger {
  readonly logger: Logger;
  readonly records: LogRecord[];
  /** Resolves once a record matching `match` has been logged. */
  until(match: (record: LogRecord) => boolean): Promise<LogRecord>;
}

/** A pino logger that keeps its records, for tests that check what was logged. */
export function recordingLogger(): RecordingLogger {
  const records: LogRecord[] = [];
  const waiters = new Waiters();
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        records.push(JSON.parse(line) as LogRecord);
        waiters.notify();
      },
    },
  );
  return {
    logger,
    records,
    until: async (match) => {
      await waiters.until(() => records.some(match));
      return records.find(match)!;
    },
  };
}
