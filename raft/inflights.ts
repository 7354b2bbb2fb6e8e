// Flow control for a follower in the replicate state: the appends sent but not yet acknowledged,
// capped by count and by bytes so a slow follower cannot make the leader buffer without bound.

export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.indexes.length - this.head;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  /** Records an append whose last entry is `index`; indexes must be added in increasing order. */
  add(index: number, size: number): void {
    this.indexes.push(index);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** Frees every append up to and including `index` (the follower acknowledged it). */
  freeLE(index: number): void {
    while (this.head < this.indexes.length && this.indexes[this.head]! <= index) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.indexes.length) {
      this.indexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }

  full(): boolean {
    return this.count >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.indexes.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}
