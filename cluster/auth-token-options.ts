// etcd's --auth-token flag: "simple" (the default) or "jwt,pub-key=<file>,priv-key=<file>,
// sign-method=<alg>,ttl=<duration>". Parsed once at start; a bad value stops the member at start, as
// it stops etcd ("auth: invalid auth options").
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { parseDuration } from './go-duration.js';

export const JWT_SIGN_METHODS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
export type JwtSignMethod = (typeof JWT_SIGN_METHODS)[number];

export type AuthTokenOptions =
  | { readonly kind: 'simple' }
  | {
      readonly kind: 'jwt';
      readonly signMethod: JwtSignMethod;
      /** Absent with only a public key: this member verifies tokens but cannot issue any. */
      readonly privateKey?: KeyObject;
      readonly publicKey: KeyObject;
      readonly ttlMs: number;
    };

export class AuthTokenOptionsError extends Error {
  readonly code = 'LODESTONE_INVALID_AUTH_TOKEN_OPTIONS';
  constructor(detail: string) {
    super(`auth: invalid auth options: ${detail}`);
    this.name = 'AuthTokenOptionsError';
  }
}

/** etcd's default JWT lifetime. */
const DEFAULT_JWT_TTL_MS = 5 * 60 * 1000;

export function parseAuthTokenOptions(raw: string): AuthTokenOptions {
  const [kind, ...pairs] = raw.split(',');
  const opts = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AuthTokenOptionsError(`"${pair}" is not name=value`);
    const name = pair.slice(0, eq);
    if (opts.has(name)) throw new AuthTokenOptionsError(`${name} is given twice`);
    opts.set(name, pair.slice(eq + 1));
  }
  if (kind === 'simple') return { kind: 'simple' };
  if (kind !== 'jwt') throw new AuthTokenOptionsError(`unknown token type "${kind ?? ''}" (simple or jwt)`);
  const signMethod = opts.get('sign-method');
  if (!JWT_SIGN_METHODS.includes(signMethod as JwtSignMethod)) {
    throw new AuthTokenOptionsError(`sign-method must be one of ${JWT_SIGN_METHODS.join(', ')}`);
  }
  const ttlRaw = opts.get('ttl');
  const ttlMs = ttlRaw === undefined ? DEFAULT_JWT_TTL_MS : parseDuration(ttlRaw);
  if (ttlMs === undefined || ttlMs <= 0) throw new AuthTokenOptionsError(`ttl "${ttlRaw ?? ''}" is not a positive duration`);
  const privPath = opts.get('priv-key');
  const pubPath = opts.get('pub-key');
  if (privPath === undefined && pubPath === undefined) throw new AuthTokenOptionsError('jwt needs priv-key or pub-key');
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new AuthTokenOptionsError(`cannot read ${path}: ${(e as Error).message}`);
    }
  };
  try {
    const privateKey = privPath === undefined ? undefined : createPrivateKey(read(privPath));
    const publicKey = pubPath === undefined ? createPublicKey(privateKey!) : createPublicKey(read(pubPath));
    const family = signMethod!.startsWith('RS') ? 'rsa' : 'ec';
    if (publicKey.asymmetricKeyType !== family) throw new AuthTokenOptionsError(`${signMethod} needs an ${family.toUpperCase()} key`);
    return { kind: 'jwt', signMethod: signMethod as JwtSignMethod, publicKey, ttlMs, ...(privateKey ? { privateKey } : {}) };
  } catch (e) {
    if (e instanceof AuthTokenOptionsError) throw e;
    throw new AuthTokenOptionsError(`bad key: ${(e as Error).message}`);
  }
}
