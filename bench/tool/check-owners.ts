// Which member runs each check, worked out as the members do (registry/checks/ownership.ts):
// rendezvous hashing of the check's id over the live runner keys, /lodestone/checks/members/<id>.
import type { KvClient } from '../../client/kv-client.js';
import { parseChecksKey, RUNNERS_PREFIX } from '../../registry/checks/check-keys.js';
import { ownerOf } from '../../registry/checks/ownership.js';
import type { System } from './system.js';

export interface CheckOwners {
  /** The member index (in the system's endpoints) of every check's runner; -1: none. */
  readonly ownerIndex: ReadonlyMap<string, number>;
  /** Checks per member index. */
  readonly perMember: readonly number[];
  /** Member indexes whose runner key is live. */
  readonly live: readonly number[];
}

/** Member index → raft member id, from each member's Status. */
export async function memberIds(system: System): Promise<bigint[]> {
  return Promise.all(system.endpoints.map(async (e) => BigInt((await system.status(e)).header?.member_id ?? '0')));
}

export async function liveRunnerIds(client: KvClient): Promise<number[]> {
  const res = await client.range({ prefix: RUNNERS_PREFIX });
  return res.kvs.flatMap((kv) => {
    const parsed = parseChecksKey(kv.keyString);
    return parsed?.kind === 'runner' ? [parsed.memberId] : [];
  });
}

export async function checkOwners(system: System, client: KvClient, checkIds: readonly string[]): Promise<CheckOwners> {
  const ids = await memberIds(system);
  const live = await liveRunnerIds(client);
  const indexOf = (memberId: number | undefined): number => (memberId === undefined ? -1 : ids.findIndex((id) => id === BigInt(memberId)));
  const ownerIndex = new Map<string, number>();
  const perMember = ids.map(() => 0);
  for (const checkId of checkIds) {
    const index = indexOf(ownerOf(checkId, live));
    ownerIndex.set(checkId, index);
    if (index >= 0) perMember[index]!++;
  }
  return { ownerIndex, perMember, live: live.map((m) => indexOf(m)).filter((i) => i >= 0) };
}
