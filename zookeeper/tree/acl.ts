// ACLs as ZooKeeper checks them: fixupACL on create/setACL (validate, expand "auth"), checkACL on
// each operation, and getACL's redaction of digests for callers without ADMIN.
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { ZkTreeError } from './errors.js';
import type { ZAcl, ZkCaller } from './types.js';
import { PERMS } from './types.js';

/** The id a digest addauth("user:password") proves: "user:" + base64(sha1("user:password")). */
export function digestAuthId(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon < 0 ? userPassword : userPassword.slice(0, colon);
  return `${user}:${createHash('sha1').update(userPassword, 'utf8').digest('base64')}`;
}

/** Schemes whose ids count as authenticated, so an "auth" ACL expands to them (ip does not). */
const AUTHENTICATED_SCHEMES = new Set(['digest', 'sasl', 'x509']);

function ipv4Bytes(address: string): number[] | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').map((p) => Number(p));
}

/** ip ACL ids: "a.b.c.d" or "a.b.c.d/bits". */
function validIpId(id: string): boolean {
  const slash = id.indexOf('/');
  const bytes = ipv4Bytes(slash < 0 ? id : id.slice(0, slash));
  if (bytes === undefined) return false;
  if (slash < 0) return true;
  const bitsText = id.slice(slash + 1);
  if (!/^\d+$/.test(bitsText)) return false;
  const bits = Number(bitsText);
  return bits >= 0 && bits <= 32;
}

function ipMatches(clientAddress: string, aclId: string): boolean {
  const slash = aclId.indexOf('/');
  const want = ipv4Bytes(slash < 0 ? aclId : aclId.slice(0, slash));
  const have = ipv4Bytes(clientAddress);
  if (want === undefined || have === undefined) return false;
  const bits = slash < 0 ? 32 : Number(aclId.slice(slash + 1));
  for (let i = 0; i < 32 && i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((want[i >> 3]! & mask) !== (have[i >> 3]! & mask)) return false;
  }
  return true;
}

function validId(scheme: string, id: string): boolean {
  switch (scheme) {
    case 'digest':
      // As Java's id.split(":").length == 2: exactly one colon, something after it.
      return id.split(':').length === 2 && !id.endsWith(':');
    case 'ip':
      return validIpId(id);
    default:
      return false;
  }
}

/**
 * The ACL to store for a create or setACL: duplicates dropped, "auth" expanded to every authenticated
 * id of the caller; InvalidACL when empty, malformed, of an unknown scheme, or "auth" with no such id.
 */
export function fixupAcl(path: string, caller: ZkCaller, acl: readonly ZAcl[]): ZAcl[] {
  const unique: ZAcl[] = [];
  for (const a of acl) {
    if (!unique.some((u) => u.perms === a.perms && u.scheme === a.scheme && u.id === a.id)) unique.push(a);
  }
  if (unique.length === 0) throw new ZkTreeError('InvalidACL', path);
  const out: ZAcl[] = [];
  for (const a of unique) {
    if (a.scheme === 'world' && a.id === 'anyone') {
      out.push({ perms: a.perms, scheme: a.scheme, id: a.id });
    } else if (a.scheme === 'auth') {
      const ids = caller.authIds.filter((c) => AUTHENTICATED_SCHEMES.has(c.scheme));
      if (ids.length === 0) throw new ZkTreeError('InvalidACL', path);
      for (const c of ids) out.push({ perms: a.perms, scheme: c.scheme, id: c.id });
    } else {
      if (!validId(a.scheme, a.id)) throw new ZkTreeError('InvalidACL', path);
      out.push({ perms: a.perms, scheme: a.scheme, id: a.id });
    }
  }
  return out;
}

/** Whether the caller holds any of the `perm` bits on a znode with this ACL (ZooKeeperServer.checkACL). */
export function allowed(caller: ZkCaller, acl: readonly ZAcl[], perm: number): boolean {
  if (acl.length === 0) return true;
  if (caller.authIds.some((a) => a.scheme === 'super')) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.scheme === 'world' && a.id === 'anyone') return true;
    for (const c of caller.authIds) {
      if (c.scheme !== a.scheme) continue;
      if (a.scheme === 'ip' ? ipMatches(c.id, a.id) : c.id === a.id) return true;
    }
  }
  return false;
}

/** Throws NoAuth unless allowed. */
export function checkAcl(caller: ZkCaller, acl: readonly ZAcl[], perm: number, path: string): void {
  if (!allowed(caller, acl, perm)) throw new ZkTreeError('NoAuth', path);
}

/** getACL for a caller without ADMIN: digest ids keep the user and hide the hash ("user:x"). */
export function aclAsSeenBy(caller: ZkCaller, acl: readonly ZAcl[]): ZAcl[] {
  const admin = allowed(caller, acl, PERMS.admin);
  return acl.map((a) =>
    !admin && a.scheme === 'digest' ? { perms: a.perms, scheme: a.scheme, id: a.id.replace(/:.*/s, ':x') } : { ...a },
  );
}
