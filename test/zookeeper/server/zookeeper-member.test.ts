// ZooKeeper's protocol on a real in-process member, through a client speaking the wire format:
// the handshake, requests answered in order, watch events before the replies that show their
// change, sessions as leases (close, expiry, re-attach, a wrong password), and bad input refused
// without harm to the member.
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../../cluster/member.js';
import { startInProcessMember } from '../../support/in-process-member.js';
import { ZkClientError, ZkTestClient } from '../../../bench/tool/zookeeper-client.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const text = (b: Buffer | null | undefined): string => (b ?? Buffer.alloc(0)).toString('utf8');

describe('the ZooKeeper interface of a member', () => {
  let member: Member;
  let port: number;
  const clients: ZkTestClient[] = [];

  const open = async (options: Parameters<typeof ZkTestClient.connect>[2] = {}): Promise<ZkTestClient> => {
    const c = await ZkTestClient.connect('127.0.0.1', port, options);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    member = await startInProcessMember({ listenZookeeperUrls: ['127.0.0.1:0'] });
    port = member.zookeeperPorts[0]!;
  });

  afterAll(async () => {
    for (const c of clients) c.drop();
    await member.close();
  });

  it('makes a session and answers CRUD with ZooKeeper stats', async () => {
    const c = await open();
    expect(c.sessionId).not.toBe(0n);
    expect(c.timeoutMs).toBe(10_000);
    const made = await c.call('create2', { path: '/m', data: Buffer.from('one'), acl: OPEN_ACL, flags: 0 });
    expect(made.response).toMatchObject({ type: 'create2', response: { path: '/m', stat: { version: 0, numChildren: 0, dataLength: 3 } } });
    const got = await c.call('getData', { path: '/m', watch: false });
    if (got.response?.type !== 'getData') throw new Error('no getData body');
    expect(text(got.response.response.data)).toBe('one');
    expect(got.response.response.stat.czxid).toBe(got.response.response.stat.mzxid);
    const set = await c.raw('setData', { path: '/m', data: Buffer.from('two'), version: 5 });
    expect(set.header.err).toBe(-103);
    await c.call('setData', { path: '/m', data: Buffer.from('two'), version: 0 });
    const missing = await c.raw('getData', { path: '/nope', watch: false });
    expect(missing.header.err).toBe(-101);
    const root = await c.call('getChildren', { path: '/', watch: false });
    expect(root.response).toMatchObject({ type: 'getChildren' });
    if (root.response?.type === 'getChildren') expect([...root.response.response.children].sort()).toEqual(['m', 'zookeeper']);
  });

  it('sends a data watch event once, before the reply that shows the change', async () => {
    const watcher = await open();
    const writer = await open();
    await writer.call('create', { path: '/w', data: Buffer.from('0'), acl: OPEN_ACL, flags: 0 });
    await watcher.call('getData', { path: '/w', watch: true });
    const order: string[] = [];
    watcher.onEvent = (e) => order.push(`event ${e.type} ${e.path}`);
    await writer.call('setData', { path: '/w', data: Buffer.from('1'), version: -1 });
    await writer.call('setData', { path: '/w', data: Buffer.from('2'), version: -1 });
    const after = await watcher.call('getData', { path: '/w', watch: false });
    if (after.response?.type === 'getData') order.push(`data ${text(after.response.response.data)}`);
    expect(order).toEqual(['event 3 /w', 'data 2']);
  });

  it('fires child and exists watches', async () => {
    const c = await open();
    await c.call('create', { path: '/kids', data: null, acl: OPEN_ACL, flags: 0 });
    await c.call('getChildren2', { path: '/kids', watch: true });
    expect((await c.raw('exists', { path: '/later', watch: true })).header.err).toBe(-101);
    const seen = new Promise<string[]>((resolve) => {
      const got: string[] = [];
      c.onEvent = (e) => {
        got.push(`${e.type} ${e.path}`);
        if (got.length === 2) resolve(got);
      };
    });
    await c.call('create', { path: '/kids/a', data: null, acl: OPEN_ACL, flags: 0 });
    await c.call('create', { path: '/later', data: null, acl: OPEN_ACL, flags: 0 });
    expect((await seen).sort()).toEqual(['1 /later', '4 /kids']);
  });

  it('removes a closed session\'s ephemerals, and keeps them for a re-attached one', async () => {
    const owner = await open({ timeoutMs: 4000 });
    await owner.call('create', { path: '/eph', data: null, acl: OPEN_ACL, flags: 1 });
    const other = await open();
    const st = await other.call('exists', { path: '/eph', watch: false });
    if (st.response?.type === 'exists') expect(st.response.response.stat.ephemeralOwner).toBe(owner.sessionId);
    owner.drop();
    const again = await open({ session: { id: owner.sessionId, password: owner.password }, timeoutMs: 4000 });
    expect(again.sessionId).toBe(owner.sessionId);
    expect((await other.raw('exists', { path: '/eph', watch: false })).header.err).toBe(0);
    await again.close();
    expect((await other.raw('exists', { path: '/eph', watch: false })).header.err).toBe(-101);
    await expect(open({ session: { id: owner.sessionId, password: owner.password } })).rejects.toThrow(ZkClientError);
  });

  it('refuses a wrong password as an expired session', async () => {
    const c = await open();
    const wrong = Buffer.from(c.password);
    wrong[0] = (wrong[0] ?? 0) ^ 1;
    await expect(open({ session: { id: c.sessionId, password: wrong } })).rejects.toThrow('error -112');
  });

  it('expires a silent session and its ephemerals', async () => {
    const owner = await open({ timeoutMs: 4000 });
    await owner.call('create', { path: '/expiring', data: null, acl: OPEN_ACL, flags: 1 });
    owner.drop();
    const other = await open();
    const started = Date.now();
    while ((await other.raw('exists', { path: '/expiring', watch: false })).header.err === 0 && Date.now() - started < 20_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await other.raw('exists', { path: '/expiring', watch: false })).header.err).toBe(-101);
    expect(Date.now() - started).toBeGreaterThan(2000);
  }, 30_000);

  it('closes a connection that sends garbage and keeps serving others', async () => {
    const bad = netConnect(port, '127.0.0.1');
    await new Promise((r) => bad.once('connect', r));
    const closed = new Promise((r) => bad.once('close', r));
    bad.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await closed;
    const c = await open();
    expect((await c.call('exists', { path: '/', watch: false })).header.err).toBe(0);
  });
});
