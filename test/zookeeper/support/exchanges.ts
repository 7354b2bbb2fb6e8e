// Pairs captured frames into exchanges: the handshake (the first frame each way on a connection),
// each request with the reply carrying its xid, and each notification (xid -1) on its own. This is
// what a fixture file holds, and what the live test checks frame by frame.
import { opName } from '../../../zookeeper/jute/index.js';
import type { CapturedFrame } from './capture-proxy.js';

export const NOTIFICATION_XID = -1;

export interface Exchange {
  /** Which client program made it ('kazoo', 'java', 'zkcli'). */
  readonly client: string;
  readonly connection: number;
  /** 'connect', 'notification', or the request's op name (`op-<code>` for one ZooKeeper does not define). */
  readonly op: string;
  readonly xid: number | null;
  /** Frame bodies (no length prefix); null when that side never came (a notification has no request). */
  readonly request: Buffer | null;
  readonly response: Buffer | null;
}

interface Open {
  op: string;
  xid: number | null;
  request: Buffer | null;
  response: Buffer | null;
  connection: number;
}

export function pairExchanges(client: string, frames: readonly CapturedFrame[]): Exchange[] {
  const out: Open[] = [];
  const handshakes = new Map<number, Open>();
  const waiting = new Map<string, Open[]>();
  for (const f of frames) {
    let handshake = handshakes.get(f.connection);
    if (handshake === undefined) {
      handshake = { op: 'connect', xid: null, request: null, response: null, connection: f.connection };
      handshakes.set(f.connection, handshake);
      out.push(handshake);
    }
    if (f.direction === 'client-to-server') {
      if (handshake.request === null) {
        handshake.request = f.body;
        continue;
      }
      const xid = f.body.readInt32BE(0);
      const type = f.body.readInt32BE(4);
      const ex: Open = { op: opName(type) ?? `op-${type}`, xid, request: f.body, response: null, connection: f.connection };
      out.push(ex);
      const key = `${f.connection}:${xid}`;
      waiting.set(key, [...(waiting.get(key) ?? []), ex]);
    } else {
      if (handshake.response === null) {
        handshake.response = f.body;
        continue;
      }
      const xid = f.body.readInt32BE(0);
      if (xid === NOTIFICATION_XID) {
        out.push({ op: 'notification', xid, request: null, response: f.body, connection: f.connection });
        continue;
      }
      const queue = waiting.get(`${f.connection}:${xid}`);
      const ex = queue?.shift();
      if (ex === undefined) throw new Error(`${client}: a reply with xid ${xid} on connection ${f.connection} answers no request`);
      ex.response = f.body;
    }
  }
  return out.map((o) => ({ client, ...o }));
}

export interface FixtureFile {
  readonly client: string;
  readonly connection: number;
  readonly op: string;
  readonly xid: number | null;
  readonly request: string | null;
  readonly response: string | null;
}

export function toFixture(ex: Exchange): FixtureFile {
  return { client: ex.client, connection: ex.connection, op: ex.op, xid: ex.xid, request: ex.request?.toString('hex') ?? null, response: ex.response?.toString('hex') ?? null };
}

export function fromFixture(f: FixtureFile): Exchange {
  return { ...f, request: f.request === null ? null : Buffer.from(f.request, 'hex'), response: f.response === null ? null : Buffer.from(f.response, 'hex') };
}
