// Which member runs a check: rendezvous (highest random weight) hashing of the check's id over the
// live members. Every member computes it alone from the same live set, so owning a check costs no
// write; a member joining or leaving moves only the checks it gains or had, about 1/n of them.
import { createHash } from 'node:crypto';

/** The check's weight on a member: the first 48 bits of SHA-256 over both, as a number. */
function weight(memberId: number, checkId: string): number {
  const digest = createHash('sha256').update(`${memberId.toString(16)}\n${checkId}`).digest();
  return digest.readUIntBE(0, 6);
}

/** The member that runs the check; undefined when no member is live. */
export function ownerOf(checkId: string, liveMembers: Iterable<number>): number | undefined {
  let best: number | undefined;
  let bestWeight = -1;
  for (const member of liveMembers) {
    const w = weight(member, checkId);
    // Ties (astronomically rare) go to the lower id, so every member still picks the same one.
    if (w > bestWeight || (w === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = w;
    }
  }
  return best;
}
