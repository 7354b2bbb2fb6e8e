// Where everything lives in the member's one LevelDB. The first byte of a key names its space:
//
//   00 'g'                          which state generation is live (u32)
//   10 <index u64>                  raft log entries, sorted by index
//   11 'h' | 's' | 'l'              raft hard state, snapshot (metadata + its small data), log start
//   20 <gen u32> 01 <main u64><sub u32>   MVCC revisions of state generation `gen`
//   20 <gen u32> 02 <name>          state meta kept by the store (applied index, confState, …)
//   20 <gen u32> 03 <name>          state meta written by the member through applyBatch
//   20 <gen u32> 04 [<chunk u32>]   the key index checkpoint: marker, chunks in two slots (a local cache)
//   20 <gen u32> 05 <lease u64>     a lease: its TTL and last checkpointed remaining TTL
//   20 <gen u32> 06 <lease u64><key>   a key attached to a lease (empty value)
//   30 <name>                       local meta: this member's own identity, never replicated
//
// The replicated state (MVCC + state meta) sits under a generation number so that installing a
// snapshot can fill a fresh generation and then switch to it with one small write: a crash or a bad
// snapshot half-way leaves the old generation live. Numbers are fixed-width big-endian so that keys
// sort by value; a lease ID (etcd's int64) is stored as its 64-bit two's complement.

const ROOT = 0x00;
const RAFT_LOG = 0x10;
const RAFT_STATE = 0x11;
const STATE = 0x20;
const LOCAL = 0x30;

/** The first byte of every space above, in key order: what a full compaction goes through one by one. */
export const KEY_SPACES: readonly number[] = [ROOT, RAFT_LOG, RAFT_STATE, STATE, LOCAL];

const REVISIONS = 0x01;
const STORE_META = 0x02;
const MEMBER_META = 0x03;
const INDEX_CHECKPOINT = 0x04;
const LEASES = 0x05;
const LEASE_KEYS = 0x06;

/** Sub-spaces within a state generation, as they appear in snapshot streams (keys relative to the generation). */
export const STATE_SUBSPACE = {
  revisions: REVISIONS,
  storeMeta: STORE_META,
  memberMeta: MEMBER_META,
  leases: LEASES,
  leaseKeys: LEASE_KEYS,
} as const;

export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

const TWO_32 = 0x1_0000_0000;
/** Where checkpoint slot 1's chunk numbers start. */
const CHECKPOINT_SLOT_SPAN = 0x8000_0000;
const textEncoder = new TextEncoder();

export function writeU64(buf: Uint8Array, at: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  const lo = n % TWO_32;
  writeU32(buf, at, hi);
  writeU32(buf, at + 4, lo);
}

export function readU64(buf: Uint8Array, at: number): number {
  return readU32(buf, at) * TWO_32 + readU32(buf, at + 4);
}

export function writeU32(buf: Uint8Array, at: number, n: number): void {
  buf[at] = n >>> 24;
  buf[at + 1] = (n >>> 16) & 0xff;
  buf[at + 2] = (n >>> 8) & 0xff;
  buf[at + 3] = n & 0xff;
}

export function readU32(buf: Uint8Array, at: number): number {
  return buf[at]! * 0x100_0000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

function named(space: number, name: string): Uint8Array {
  const n = textEncoder.encode(name);
  const k = new Uint8Array(1 + n.length);
  k[0] = space;
  k.set(n, 1);
  return k;
}

// --- root ---

export const ACTIVE_GENERATION_KEY = Uint8Array.of(ROOT, 0x67 /* 'g' */);

// --- raft ---

export function raftLogKey(index: number): Uint8Array {
  const k = new Uint8Array(9);
  k[0] = RAFT_LOG;
  writeU64(k, 1, index);
  return k;
}

export function raftLogIndexOf(key: Uint8Array): number {
  return readU64(key, 1);
}

export const RAFT_LOG_RANGE: KeyRange = { gte: Uint8Array.of(RAFT_LOG), lt: Uint8Array.of(RAFT_LOG + 1) };
export const HARD_STATE_KEY = Uint8Array.of(RAFT_STATE, 0x68 /* 'h' */);
export const RAFT_SNAPSHOT_KEY = Uint8Array.of(RAFT_STATE, 0x73 /* 's' */);
export const LOG_START_KEY = Uint8Array.of(RAFT_STATE, 0x6c /* 'l' */);

// --- local meta ---

export function localMetaKey(name: string): Uint8Array {
  return named(LOCAL, name);
}

export const LOCAL_META_RANGE: KeyRange = { gte: Uint8Array.of(LOCAL), lt: Uint8Array.of(LOCAL + 1) };

export function localMetaNameOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('utf8');
}

// --- replicated state, per generation ---

/** Builds and parses the keys of one state generation. */
export class StateSpace {
  /** 20 <gen u32>: every key of this generation starts with it. */
  readonly prefix: Uint8Array;

  constructor(readonly generation: number) {
    this.prefix = new Uint8Array(5);
    this.prefix[0] = STATE;
    writeU32(this.prefix, 1, generation);
  }

  /** Every key of this generation. */
  all(): KeyRange {
    return { gte: this.prefix, lt: this.withTail(Uint8Array.of(0xff)) };
  }

  /**
   * The replicated part, in key order: revisions and state meta, then leases and their keys (what a
   * snapshot carries). The index checkpoint between them is local.
   */
  replicated(): KeyRange[] {
    return [
      { gte: this.withTail(Uint8Array.of(REVISIONS)), lt: this.withTail(Uint8Array.of(MEMBER_META + 1)) },
      this.leases(),
    ];
  }

  /** Leases and the keys attached to them. */
  leases(): KeyRange {
    return { gte: this.withTail(Uint8Array.of(LEASES)), lt: this.withTail(Uint8Array.of(LEASE_KEYS + 1)) };
  }

  leaseKey(id: bigint): Uint8Array {
    const k = new Uint8Array(this.prefix.length + 9);
    k.set(this.prefix, 0);
    k[this.prefix.length] = LEASES;
    writeLeaseId(k, this.prefix.length + 1, id);
    return k;
  }

  leaseAttachmentKey(id: bigint, key: Uint8Array): Uint8Array {
    const at = this.prefix.length;
    const k = new Uint8Array(at + 9 + key.length);
    k.set(this.prefix, 0);
    k[at] = LEASE_KEYS;
    writeLeaseId(k, at + 1, id);
    k.set(key, at + 9);
    return k;
  }

  /** The lease ID of a lease or attachment key relative to its generation (05|06 <id u64> …). */
  static relativeLeaseIdOf(relativeKey: Uint8Array): bigint {
    return new DataView(relativeKey.buffer, relativeKey.byteOffset, relativeKey.byteLength).getBigInt64(1);
  }

  /** The attached key of an attachment key relative to its generation. */
  static relativeAttachedKeyOf(relativeKey: Uint8Array): Uint8Array {
    return relativeKey.subarray(9);
  }

  /** State meta only, both kinds. */
  meta(): KeyRange {
    return { gte: this.withTail(Uint8Array.of(STORE_META)), lt: this.withTail(Uint8Array.of(MEMBER_META + 1)) };
  }

  /** Says which applied index and revision the checkpoint chunks describe. */
  indexCheckpointMarkerKey(): Uint8Array {
    return this.withTail(Uint8Array.of(INDEX_CHECKPOINT));
  }

  /**
   * Chunk `chunk` of checkpoint slot `slot` (0 or 1): slot 1's chunks start at 2^31, so a new
   * checkpoint is written beside the valid one and never overwrites it.
   */
  indexCheckpointKey(slot: number, chunk: number): Uint8Array {
    const k = this.withTail(new Uint8Array(5));
    k[5] = INDEX_CHECKPOINT;
    writeU32(k, 6, slot * CHECKPOINT_SLOT_SPAN + chunk);
    return k;
  }

  /** Every chunk of one checkpoint slot. */
  indexCheckpointSlot(slot: number): KeyRange {
    return { gte: this.indexCheckpointKey(slot, 0), lt: slot === 0 ? this.indexCheckpointKey(1, 0) : this.withTail(Uint8Array.of(INDEX_CHECKPOINT + 1)) };
  }

  indexCheckpoint(): KeyRange {
    return { gte: this.withTail(Uint8Array.of(INDEX_CHECKPOINT)), lt: this.withTail(Uint8Array.of(INDEX_CHECKPOINT + 1)) };
  }

  revisionKey(main: number, sub: number): Uint8Array {
    const k = new Uint8Array(18);
    k.set(this.prefix, 0);
    k[5] = REVISIONS;
    writeU64(k, 6, main);
    writeU32(k, 14, sub);
    return k;
  }

  static mainOf(revisionKey: Uint8Array): number {
    return readU64(revisionKey, 6);
  }

  static subOf(revisionKey: Uint8Array): number {
    return readU32(revisionKey, 14);
  }

  /** main of a revision key relative to its generation (01 <main u64><sub u32>). */
  static relativeMainOf(relativeKey: Uint8Array): number {
    return readU64(relativeKey, 1);
  }

  static relativeSubOf(relativeKey: Uint8Array): number {
    return readU32(relativeKey, 9);
  }

  /** Revision keys with main > after: what was written since a checkpoint taken at `after`. */
  revisionsAfter(after: number): KeyRange {
    return { gte: this.revisionKey(after + 1, 0), lt: this.withTail(Uint8Array.of(REVISIONS + 1)) };
  }

  /** Revision keys with main ≤ upTo (every revision when upTo is omitted). */
  revisions(upTo?: number): KeyRange {
    const gte = this.withTail(Uint8Array.of(REVISIONS));
    if (upTo === undefined) return { gte, lt: this.withTail(Uint8Array.of(REVISIONS + 1)) };
    return { gte, lt: this.revisionKey(upTo + 1, 0) };
  }

  storeMetaKey(name: string): Uint8Array {
    return this.withTail(named(STORE_META, name));
  }

  memberMetaKey(name: string): Uint8Array {
    return this.withTail(named(MEMBER_META, name));
  }

  /** The part of a key after the generation prefix (how keys travel in snapshots). */
  relative(key: Uint8Array): Uint8Array {
    return key.subarray(this.prefix.length);
  }

  absolute(relativeKey: Uint8Array): Uint8Array {
    return this.withTail(relativeKey);
  }

  private withTail(tail: Uint8Array): Uint8Array {
    return concat(this.prefix, tail);
  }
}

function writeLeaseId(buf: Uint8Array, at: number, id: bigint): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setBigInt64(at, id);
}

/** Every state generation other than `live`: left-overs of an interrupted snapshot install. */
export function staleGenerations(live: number): KeyRange[] {
  const below: KeyRange = { gte: Uint8Array.of(STATE), lt: new StateSpace(live).prefix };
  const above: KeyRange = { gte: new StateSpace(live + 1).prefix, lt: Uint8Array.of(STATE + 1) };
  return [below, above];
}

/** Every key but those of stale generations: the ranges that hold the member's data now. */
export function liveRanges(live: number): KeyRange[] {
  const before: KeyRange = { gte: Uint8Array.of(ROOT), lt: Uint8Array.of(STATE) };
  const after: KeyRange = { gte: Uint8Array.of(STATE + 1), lt: Uint8Array.of(LOCAL + 1) };
  return [before, new StateSpace(live).all(), after];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
