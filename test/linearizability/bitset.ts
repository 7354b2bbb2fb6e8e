/**
 * The set of operations linearized so far, one bit per operation. The hash is kept up to date on
 * every change (Zobrist hashing: the XOR of a fixed pseudo-random word per member), so looking a set
 * up in the memo costs no pass over its words.
 */
export class Bitset {
  private constructor(
    private readonly words: Uint32Array,
    private hashValue: number,
  ) {}

  static empty(size: number): Bitset {
    return new Bitset(new Uint32Array(Math.ceil(size / 32)), 0);
  }

  get hash(): number {
    return this.hashValue;
  }

  has(index: number): boolean {
    return ((this.words[index >>> 5]! >>> (index & 31)) & 1) === 1;
  }

  /** Adds `index`, which must not be a member yet. */
  add(index: number): void {
    this.words[index >>> 5]! |= 1 << (index & 31);
    this.hashValue ^= memberHash(index);
  }

  /** Removes `index`, which must be a member. */
  remove(index: number): void {
    this.words[index >>> 5]! &= ~(1 << (index & 31));
    this.hashValue ^= memberHash(index);
  }

  clone(): Bitset {
    return new Bitset(this.words.slice(), this.hashValue);
  }

  equals(other: Bitset): boolean {
    if (this.hashValue !== other.hashValue || this.words.length !== other.words.length) return false;
    for (let i = 0; i < this.words.length; i++) {
      if (this.words[i] !== other.words[i]) return false;
    }
    return true;
  }
}

/** A well-mixed 32-bit word per index (the finalizer of MurmurHash3), so XORs rarely collide. */
function memberHash(index: number): number {
  let h = Math.imul(index + 1, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
