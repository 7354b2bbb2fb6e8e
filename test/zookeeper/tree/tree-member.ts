// A real member in this process, with a ZNodeTree over it, for the znode tree's tests.
import type { Member } from '../../../cluster/member.js';
import { startInProcessMember } from '../../support/in-process-member.js';
import { ZNodeTree } from '../../../zookeeper/tree/index.js';
import type { ZkCaller } from '../../../zookeeper/tree/index.js';

export const ANYONE: ZkCaller = { sessionId: 0n, authIds: [] };
export const OPEN_ACL = [{ perms: 31, scheme: 'world', id: 'anyone' }] as const;

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A member alone, leading, in memory. */
export function startMember(): Promise<Member> {
  return startInProcessMember();
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
