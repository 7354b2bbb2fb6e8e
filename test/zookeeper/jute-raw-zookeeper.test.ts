// What real ZooKeeper 3.8 answers to bytes no client library sends, and Lodestone's member the same:
// an old client's handshake without the readOnly byte, an op code it does not know, a request cut
// short. Each answer is also rebuilt with our encoders, byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_CODE,
  JuteWriter,
  answerConnect,
  OP_CODE,
  decodeConnectResponseBody,
  decodeReplyHeader,
  decodeRequest,
  JuteReader,
  encodeConnectRequestBody,
  encodeConnectResponseFrame,
  encodeReply,
  type ConnectRequest,
} from '../../zookeeper/jute/index.js';
import { startInProcessMember } from '../support/in-process-member.js';
import { rawClient, type RawClient } from './support/raw-zookeeper-client.js';
import { realZooKeeperTestsRun, startRealZooKeeper, type RealZooKeeper } from './support/real-zookeeper.js';

const NEW_SESSION: ConnectRequest = { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 5000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false };

/** Real ZooKeeper, or a Lodestone member serving ZooKeeper's protocol. */
interface Server {
  readonly port: number;
  stop(): Promise<void>;
}

async function lodestoneMember(): Promise<Server> {
  const member = await startInProcessMember({ listenZookeeperUrls: ['127.0.0.1:0'] });
  return { port: member.zookeeperPorts[0]!, stop: () => member.close() };
}

const SERVERS: readonly { name: string; start: () => Promise<Server>; runs: boolean }[] = [
  { name: 'real ZooKeeper 3.8', start: (): Promise<RealZooKeeper> => startRealZooKeeper(), runs: realZooKeeperTestsRun() },
  { name: 'a Lodestone member', start: lodestoneMember, runs: true },
];

describe.each(SERVERS.filter((s) => s.runs))('$name answering raw frames', ({ start }) => {
  let zk: Server;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    zk = await start();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await zk?.stop();
  });

  async function session(handshake: ConnectRequest = NEW_SESSION): Promise<{ client: RawClient; answer: Buffer }> {
    const client = await rawClient(zk.port);
    clients.push(client);
    client.send(encodeConnectRequestBody(handshake));
    return { client, answer: await client.next() };
  }

  it('an old client\'s handshake (no readOnly byte) gets an answer without one', async () => {
    const { readOnly: _dropped, ...old } = NEW_SESSION;
    const { answer } = await session(old);
    expect(answer.length).toBe(4 + 4 + 8 + 4 + 16);
    const decoded = decodeConnectResponseBody(answer);
    expect(decoded.readOnly).toBeUndefined();
    expect(decoded.timeOut).toBe(5000);
    expect(encodeConnectResponseFrame(decoded).subarray(4).toString('hex')).toBe(answer.toString('hex'));
    const rebuilt = answerConnect(old, { timeOut: decoded.timeOut, sessionId: decoded.sessionId, passwd: decoded.passwd ?? Buffer.alloc(0) });
    expect(encodeConnectResponseFrame(rebuilt).subarray(4).toString('hex')).toBe(answer.toString('hex'));
  });

  it('a current client\'s handshake gets the readOnly byte back', async () => {
    const { answer } = await session();
    expect(answer.length).toBe(37);
    expect(decodeConnectResponseBody(answer).readOnly).toBe(false);
  });

  it('an op code ZooKeeper does not know: Unimplemented with zxid -1, then the connection is closed', async () => {
    const { client } = await session();
    client.send(new JuteWriter().int(1).int(999).toBuffer());
    const reply = await client.next();
    expect(reply.toString('hex')).toBe(encodeReply({ xid: 1, zxid: -1n, err: ERROR_CODE.Unimplemented }).subarray(4).toString('hex'));
    await client.closed;
  });

  it('a request cut short: MarshallingError with the current zxid, and the session goes on', async () => {
    const { client } = await session();
    const cut = new JuteWriter().int(1).int(OP_CODE.getData).toBuffer();
    // Our decoder refuses it too, and keeps the header to answer on.
    expect(() => decodeRequest(cut)).toThrow(expect.objectContaining({ code: 'JUTE_DECODE', request: { xid: 1, type: OP_CODE.getData } }));
    client.send(cut);
    const reply = decodeReplyHeader(new JuteReader(await client.next()));
    expect(reply.xid).toBe(1);
    expect(reply.err).toBe(ERROR_CODE.MarshallingError);
    expect(reply.zxid).toBeGreaterThan(0n);
    client.send(new JuteWriter().int(2).int(OP_CODE.exists).ustring('/zookeeper').bool(false).toBuffer());
    const next = decodeReplyHeader(new JuteReader(await client.next()));
    expect(next).toMatchObject({ xid: 2, err: ERROR_CODE.Ok });
  });
});
