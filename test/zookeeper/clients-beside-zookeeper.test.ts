// ZooKeeper's own Java client and Kazoo run the sessions the Jute fixtures were captured from — every
// op, TTL and container znodes, persistent and recursive watches, connections cut and re-attached
// with SetWatches/SetWatches2 — once against real ZooKeeper 3.8 and once against a Lodestone member,
// through the recording proxy: each program prints the same, and the same exchanges pass (op, xid,
// error code, and which watch events), in the same order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessMember } from '../support/in-process-member.js';
import { decodeReply, decodeReplyHeader, JuteReader, type WatcherEvent } from '../../zookeeper/jute/index.js';
import { captureClientSession, capturedClientRuns, type CapturedClient } from './support/captured-clients.js';
import type { Exchange } from './support/exchanges.js';
import { startRealZooKeeper, type RealZooKeeper } from './support/real-zookeeper.js';

/** One exchange as both servers must give it: what differs by nature (zxids, session ids, times) left out. */
function shape(ex: Exchange): string {
  if (ex.op === 'connect') return `connect ${ex.response === null ? 'unanswered' : 'answered'}`;
  if (ex.response === null) return `${ex.op} xid=${String(ex.xid)} unanswered`;
  const header = decodeReplyHeader(new JuteReader(ex.response));
  if (ex.op === 'notification') {
    const { event } = decodeReply(ex.response, undefined);
    return `event ${event ? describeEvent(event) : '?'}`;
  }
  return `${ex.op} xid=${String(ex.xid)} err=${header.err}`;
}

function describeEvent(e: WatcherEvent): string {
  return `type=${e.type} state=${e.state} path=${e.path}`;
}

/** What the programs print, with zxids named by first appearance (equal ones stay equal) and times hidden. */
function normalizeOutput(output: string): string[] {
  const names = new Map<string, string>();
  return output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && l !== 'DROP')
    .map((l) =>
      l
        .replace(/\b([cmp]zxid)=(\d+)/g, (_, field: string, zxid: string) => {
          if (!names.has(zxid)) names.set(zxid, `Z${names.size + 1}`);
          return `${field}=${names.get(zxid)!}`;
        })
        .replace(/\b([cm]time)=\d+/g, '$1=T'),
    );
}

async function lodestoneMember(): Promise<{ port: number; stop(): Promise<void> }> {
  const member = await startInProcessMember({ listenZookeeperUrls: ['127.0.0.1:0'] });
  return { port: member.zookeeperPorts[0]!, stop: () => member.close() };
}

const CLIENTS: readonly CapturedClient[] = ['java', 'kazoo'];

describe.each(CLIENTS.filter((c) => capturedClientRuns(c)))('the %s client against ZooKeeper 3.8 and against Lodestone', (client) => {
  let real: RealZooKeeper;
  let lodestone: { port: number; stop(): Promise<void> };

  beforeAll(async () => {
    [real, lodestone] = await Promise.all([startRealZooKeeper(), lodestoneMember()]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([real?.stop(), lodestone?.stop()]);
  });

  it('prints the same and makes the same exchanges', async () => {
    const fromZooKeeper = await captureClientSession(client, real.port);
    const fromLodestone = await captureClientSession(client, lodestone.port);
    expect(fromZooKeeper.exchanges.length).toBeGreaterThan(10);
    expect(normalizeOutput(fromLodestone.output)).toEqual(normalizeOutput(fromZooKeeper.output));
    expect(fromLodestone.exchanges.filter((e) => e.op !== 'ping').map(shape)).toEqual(fromZooKeeper.exchanges.filter((e) => e.op !== 'ping').map(shape));
  }, 180_000);
});
