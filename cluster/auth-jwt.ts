// etcd's "jwt" tokens: a JSON Web Token signed by the member that takes the login, carrying the user,
// the auth revision at the login and an expiry (its ttl option). Any member holding the public key
// verifies one without having seen the login; a token whose revision is older than the auth store
// is answered "revision of auth store is old", and clients log in again. node:crypto signs and
// verifies: RSA (PKCS#1 v1.5) and ECDSA (the raw r‖s signature form JWTs use).
import { sign, verify, type KeyObject } from 'node:crypto';
import type { AuthInfo } from '../store/auth/auth-state.js';
import type { JwtSignMethod } from './auth-token-options.js';

const HASHES: Readonly<Record<JwtSignMethod, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

interface Claims {
  readonly username: string;
  readonly revision: number;
  readonly exp: number;
}

export class JwtTokens {
  constructor(
    private readonly method: JwtSignMethod,
    private readonly publicKey: KeyObject,
    private readonly privateKey: KeyObject | undefined,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  private keyOptions(key: KeyObject): { key: KeyObject; dsaEncoding?: 'ieee-p1363' } {
    return this.method.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : { key };
  }

  /** A signed token, or undefined when this member holds only the public key (etcd: verify-only). */
  issue(username: string, revision: number): string | undefined {
    if (!this.privateKey) return undefined;
    const header = b64url(JSON.stringify({ alg: this.method, typ: 'JWT' }));
    const claims: Claims = { username, revision, exp: Math.floor((this.nowMs() + this.ttlMs) / 1000) };
    const body = `${header}.${b64url(JSON.stringify(claims))}`;
    const signature = sign(HASHES[this.method], Buffer.from(body), this.keyOptions(this.privateKey));
    return `${body}.${b64url(signature)}`;
  }

  /** The user and revision a valid, unexpired token of our algorithm carries; undefined otherwise. */
  info(token: string): AuthInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, body, signature] = parts as [string, string, string];
    try {
      const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      if (h.alg !== this.method) return undefined;
      const ok = verify(HASHES[this.method], Buffer.from(`${header}.${body}`), this.keyOptions(this.publicKey), Buffer.from(signature, 'base64url'));
      if (!ok) return undefined;
      const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Claims>;
      if (typeof c.username !== 'string' || typeof c.revision !== 'number' || typeof c.exp !== 'number') return undefined;
      if (c.exp * 1000 <= this.nowMs()) return undefined;
      return { username: c.username, revision: c.revision };
    } catch {
      return undefined;
    }
  }
}
