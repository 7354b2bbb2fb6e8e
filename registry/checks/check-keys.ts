// The keys the members keep to share out the checks they run, next to the registry's own (see
// ../layout.ts) but outside its range, so the registry's view and its change indexes ignore them:
//
//   /lodestone/checks/members/<member id hex>   one per voting member that runs checks, on a lease
//                                               the member keeps alive: the live set the checks are
//                                               spread over. Gone when the member dies, is cut off
//                                               from the leader, or leaves.
//   /lodestone/checks/ttl/<check id>            one per TTL check that has been reported on, on a
//                                               lease with the check's TTL that every report renews;
//                                               its deletion (the lease expired) turns the check
//                                               critical.
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { checkName } from '../layout.js';

export const CHECKS_PREFIX = '/lodestone/checks/';
export const RUNNERS_PREFIX = `${CHECKS_PREFIX}members/`;
export const TTL_PREFIX = `${CHECKS_PREFIX}ttl/`;

const encoder = new TextEncoder();

export function runnerKey(memberId: number): string {
  return RUNNERS_PREFIX + memberId.toString(16);
}

export function ttlKey(checkId: string): string {
  return TTL_PREFIX + checkName('check id', checkId);
}

export function prefixRange(prefix: string): { readonly key: Uint8Array; readonly rangeEnd: Uint8Array } {
  const key = encoder.encode(prefix);
  return { key, rangeEnd: prefixEnd(Uint8Array.from(key)) };
}

/** What a key under CHECKS_PREFIX names; undefined for anything else. */
export type ChecksKey = { readonly kind: 'runner'; readonly memberId: number } | { readonly kind: 'ttl'; readonly checkId: string };

export function parseChecksKey(key: string): ChecksKey | undefined {
  if (key.startsWith(RUNNERS_PREFIX)) {
    const hex = key.slice(RUNNERS_PREFIX.length);
    return /^[0-9a-f]{1,14}$/.test(hex) ? { kind: 'runner', memberId: Number.parseInt(hex, 16) } : undefined;
  }
  if (key.startsWith(TTL_PREFIX)) {
    const checkId = key.slice(TTL_PREFIX.length);
    return checkId.length > 0 && !checkId.includes('/') ? { kind: 'ttl', checkId } : undefined;
  }
  return undefined;
}
