// bcrypt ($2a$ / $2b$ / $2y$), the password hash etcd keeps: checking one lets users restored from
// an etcd snapshot log in with their etcd passwords. Blowfish's initial state is the fractional
// part of pi in hex (P-array, then the four S-boxes), computed here once with BigInt (Machin's
// formula) rather than carried as a table.

import { timingSafeEqual } from 'node:crypto';

const P_WORDS = 18;
const S_WORDS = 4 * 256;
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MAGIC = new TextEncoder().encode('OrpheanBeholderScryDoubt');

let initial: Uint32Array | undefined;

/** The first (18 + 1024) 32-bit words of pi's fractional part. */
function piWords(): Uint32Array {
  if (initial) return initial;
  const words = P_WORDS + S_WORDS;
  const bits = BigInt(words * 32 + 64);
  const one = 1n << bits;
  const atanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let k = 1n; power !== 0n; k += 2n) {
      sum += ((k / 2n) % 2n === 0n ? 1n : -1n) * (power / k);
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const fraction = (pi - 3n * one) >> 64n;
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = Number((fraction >> BigInt((words - 1 - i) * 32)) & 0xffffffffn);
  return (initial = out);
}

class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;

  constructor() {
    const w = piWords();
    this.p = w.slice(0, P_WORDS);
    this.s = w.slice(P_WORDS);
  }

  /** Enciphers the pair in lr[0], lr[1] in place. */
  encipher(lr: Uint32Array): void {
    const { p, s } = this;
    let l = lr[0]!;
    let r = lr[1]!;
    for (let i = 0; i < 16; i++) {
      l = (l ^ p[i]!) >>> 0;
      const f = ((((s[l >>> 24]! + s[256 + ((l >>> 16) & 0xff)]!) >>> 0) ^ s[512 + ((l >>> 8) & 0xff)]!) + s[768 + (l & 0xff)]!) >>> 0;
      r = (r ^ f) >>> 0;
      const t = l;
      l = r;
      r = t;
    }
    lr[0] = (r ^ p[17]!) >>> 0;
    lr[1] = (l ^ p[16]!) >>> 0;
  }

  /** Blowfish's key schedule with a salt mixed in (bcrypt's expandstate); no salt = expand0state. */
  expand(key: Uint8Array, salt: Uint8Array | undefined): void {
    const keyWords = new Cursor(key);
    for (let i = 0; i < P_WORDS; i++) this.p[i] = (this.p[i]! ^ keyWords.next()) >>> 0;
    const saltWords = salt ? new Cursor(salt) : undefined;
    const lr = new Uint32Array(2);
    const fill = (table: Uint32Array, count: number): void => {
      for (let i = 0; i < count; i += 2) {
        if (saltWords) {
          lr[0] = (lr[0]! ^ saltWords.next()) >>> 0;
          lr[1] = (lr[1]! ^ saltWords.next()) >>> 0;
        }
        this.encipher(lr);
        table[i] = lr[0]!;
        table[i + 1] = lr[1]!;
      }
    };
    fill(this.p, P_WORDS);
    fill(this.s, S_WORDS);
  }
}

/** Big-endian 32-bit words read round and round a byte string. */
class Cursor {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  next(): number {
    let w = 0;
    for (let i = 0; i < 4; i++) {
      w = ((w << 8) | this.bytes[this.at]!) >>> 0;
      this.at = (this.at + 1) % this.bytes.length;
    }
    return w;
  }
}

function encode64(bytes: Uint8Array, chars: number): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >>> bits) & 0x3f];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 0x3f];
  return out.slice(0, chars);
}

function decode64(text: string, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const c of text) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8 && n < length) {
      bits -= 8;
      out[n++] = (acc >>> bits) & 0xff;
    }
  }
  return n === length ? out : undefined;
}

const FORM = /^\$2([aby])\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

export function isBcryptHash(hash: string): boolean {
  return FORM.test(hash);
}

/** The bcrypt hash of `password` with this cost and 16-byte salt, in the $2a$ form. */
export function bcryptHash(password: string, cost: number, salt: Uint8Array, variant: 'a' | 'b' | 'y' = 'a'): string {
  if (cost < 4 || cost > 31) throw new RangeError(`bcrypt cost ${cost} out of range`);
  // The key is the password and its terminating zero byte, at most 72 bytes.
  const key = new Uint8Array(Math.min(Buffer.byteLength(password) + 1, 72));
  key.set(Buffer.from(password).subarray(0, key.length - 1));
  const bf = new Blowfish();
  bf.expand(key, salt);
  for (let i = 2 ** cost; i > 0; i--) {
    bf.expand(key, undefined);
    bf.expand(salt, undefined);
  }
  const text = new Uint32Array(6);
  for (let i = 0; i < 6; i++) text[i] = new Cursor(MAGIC.subarray(i * 4, i * 4 + 4)).next();
  const pair = new Uint32Array(2);
  for (let round = 0; round < 64; round++) {
    for (let i = 0; i < 6; i += 2) {
      pair[0] = text[i]!;
      pair[1] = text[i + 1]!;
      bf.encipher(pair);
      text[i] = pair[0]!;
      text[i + 1] = pair[1]!;
    }
  }
  const out = new Uint8Array(24);
  text.forEach((w, i) => new DataView(out.buffer).setUint32(i * 4, w));
  return `$2${variant}$${String(cost).padStart(2, '0')}$${encode64(salt, 22)}${encode64(out.subarray(0, 23), 31)}`;
}

/** Whether `password` matches a bcrypt `hash` (false for anything not a bcrypt hash). */
export function bcryptVerify(password: string, hash: string): boolean {
  const m = FORM.exec(hash);
  if (!m) return false;
  const cost = Number(m[2]);
  // Bounds keep a hostile hash from asking for unbounded time.
  if (cost < 4 || cost > 16) return false;
  const salt = decode64(m[3]!, 16);
  if (!salt) return false;
  const again = Buffer.from(bcryptHash(password, cost, salt, m[1] as 'a' | 'b' | 'y'));
  const expected = Buffer.from(hash);
  return again.length === expected.length && timingSafeEqual(again, expected);
}
