// A real member in this process, with a ZNodeTree over it, for the znode tree's tests.
import { Member } from '../../../cluster/member.js';
import { ZNodeTree } from '../../../zookeeper/tree/index.js';
import type { ZkCaller } from '../../../zookeeper/tree/index.js';

export const ANYONE: ZkCaller = { sessionId: 0n, authIds: [] };
export const OPEN_ACL = [{ perms: 31, scheme: 'world', id: 'anyone' }] as const;

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export async function startMember(): Promise<Member> {
  const member = await Member.start({
    name: 'a',
    inMemory: true,
    servePeers: false,
    initialCluster: 'a=http://localhost:2380',
    listenClientUrls: ['http://127.0.0.1:0'],
    advertiseClientUrls: ['http://127.0.0.1:0'],
    heartbeatInterval: 50,
    electionTimeout: 500,
    logLevel: 'silent',
  });
  for (let i = 0; i < 100 && member.raftStatus().role !== 'leader'; i++) await new Promise((r) => setTimeout(r, 50));
  return member;
}

export async function startTree(now?: () => number): Promise<{ member: Member; tree: ZNodeTree }> {
  const member = await startMember();
  const tree = new ZNodeTree(now === undefined ? { kv: member } : { kv: member, now });
  await tree.ensureRoot();
  return { member, tree };
}

/** The ZooKeeper error code a promise rejects with (or 'ok'). */
export async function codeOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}
