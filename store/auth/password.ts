// Password hashes for the auth store. New passwords are hashed with bcrypt at etcd's cost, as etcd
// stores them, so users keep their passwords when a snapshot moves the store to etcd or back.
// Hashes an earlier Lodestone stored with scrypt (node:crypto), in the form
// $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<hash base64>, are still checked. The hash is
// computed by the member that receives the request, before proposing, so no password ever reaches
// the raft log; every member checks a password against the replicated hash.
import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { bcryptHash, bcryptVerify, isBcryptHash } from './bcrypt.js';

const HASH_BYTES = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function hashPassword(password: string): Promise<string> {
  return bcryptHash(password);
}

/** Whether `hash` has a form this module checks (a client may send one it computed itself). */
export function isPasswordHash(hash: string): boolean {
  return isBcryptHash(hash) || parseHash(hash) !== undefined;
}

function parseHash(hash: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return undefined;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a hostile hash from asking for unbounded memory or time.
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { logN, r, p, salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
}

/** A hash of nothing, to spend the same time on an unknown user as on a known one. */
let decoy: Promise<string> | undefined;

/** Whether `password` matches `hash`; an unknown user (hash undefined) costs the same time and fails. */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash === undefined) {
    await bcryptVerify(password, await (decoy ??= hashPassword('')));
    return false;
  }
  if (isBcryptHash(hash)) return bcryptVerify(password, hash);
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
