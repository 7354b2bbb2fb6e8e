// Password hashes for the auth store: scrypt (node:crypto), a memory-hard slow hash, with a random
// salt per password. The hash is computed by the member that receives the request, before
// proposing, so no password ever reaches the raft log; every member checks a password against the
// replicated hash. Format: $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<hash base64>.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { bcryptVerify, isBcryptHash } from './bcrypt.js';

/** 2^15 × 8 × 128 bytes = 32 MiB of memory and some tens of milliseconds per hash. */
const LOG_N = 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = '$scrypt$';

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, LOG_N, R, P);
  return `${PREFIX}ln=${LOG_N},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `hash` has this module's form (a client may send one it computed itself). */
export function isPasswordHash(hash: string): boolean {
  return parseHash(hash) !== undefined;
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

/**
 * Whether `password` matches `hash`; an unknown user (hash undefined) costs the same time and fails.
 * A bcrypt hash (a user restored from an etcd snapshot keeps etcd's) is checked as bcrypt.
 */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash !== undefined && isBcryptHash(hash)) return bcryptVerify(password, hash);
  const parsed = parseHash(hash ?? (await (decoy ??= hashPassword(''))));
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
  return hash !== undefined && key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
