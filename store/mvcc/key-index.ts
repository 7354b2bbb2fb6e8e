// The revisions of one key, as etcd's keyIndex keeps them: a list of generations, each running from
// the put that (re)created the key to the tombstone that deleted it. The last generation is the live
// one; it is empty while the key is deleted. A revision is (main, sub): main is the write txn's
// revision, sub the change's position within that txn.
//
// There is one KeyIndex per key, a million of them in a large store, so the live generation is kept
// in the KeyIndex itself and only ended generations (rare: keys deleted and re-created) get objects.
import type { ByteWriter } from '../codec/byte-writer.js';
import type { KeepSet } from './keep-set.js';

export interface Generation {
  /** Puts (and the tombstone) this generation has seen; compaction drops revisions but not the count. */
  ver: number;
  /** Main revision of the put that created the key. */
  created: number;
  /** Revisions as flat (main, sub) pairs, oldest first; for an ended generation the last is the tombstone. */
  revs: number[];
}

/** The revision of a key visible at some read revision. */
export interface RevisionHit {
  readonly main: number;
  readonly sub: number;
  readonly created: number;
  readonly version: number;
}

export class KeyIndex implements Generation {
  // The live generation.
  ver = 0;
  created = 0;
  revs: number[] = [];
  /** Ended generations, oldest first. */
  private ended: Generation[] | undefined;

  /** Records a put. A new generation starts at this revision if the key was deleted. */
  put(main: number, sub: number): void {
    if (this.revs.length === 0) this.created = main;
    this.revs.push(main, sub);
    this.ver++;
  }

  /**
   * Records a put read back from disk, whose stored createRevision and version are authoritative:
   * compaction may have removed the generation's older revisions.
   */
  restorePut(main: number, sub: number, created: number, version: number): void {
    if (this.revs.length === 0) this.created = created;
    this.revs.push(main, sub);
    this.ver = version;
  }

  /** Ends the live generation with a tombstone. Returns false if the key is not live. */
  tombstone(main: number, sub: number): boolean {
    if (this.revs.length === 0) return false;
    this.revs.push(main, sub);
    (this.ended ??= []).push({ ver: this.ver + 1, created: this.created, revs: this.revs });
    this.ver = 0;
    this.created = 0;
    this.revs = [];
    return true;
  }

  /**
   * True if the key's latest revision is at or after (main, sub): a revision record that old is
   * already in this index (revisions of a key only grow, and compaction keeps the latest).
   */
  reaches(main: number, sub: number): boolean {
    const revs = this.revs.length > 0 ? this.revs : this.ended?.[this.ended.length - 1]?.revs;
    if (revs === undefined || revs.length === 0) return false;
    const lastMain = revs[revs.length - 2]!;
    return lastMain > main || (lastMain === main && revs[revs.length - 1]! >= sub);
  }

  /** True while the key exists: its live generation has a revision. */
  isLive(): boolean {
    return this.revs.length > 0;
  }

  /** True while no revision is left: the key can leave the index. */
  isEmpty(): boolean {
    return this.ended === undefined && this.revs.length === 0;
  }

  /** The latest revision at or before atRev, unless the key was deleted then (or not yet created). */
  get(atRev: number): RevisionHit | undefined {
    const g = this.findGeneration(atRev);
    if (g === undefined) return undefined;
    const revs = g.revs;
    for (let i = revs.length - 2; i >= 0; i -= 2) {
      if (revs[i]! <= atRev) {
        const newer = (revs.length - i) / 2 - 1;
        return { main: revs[i]!, sub: revs[i + 1]!, created: g.created, version: g.ver - newer };
      }
    }
    return undefined;
  }

  /**
   * Drops the revisions a compaction at atRev makes unreachable, keeping the latest revision at or
   * before atRev unless it is a tombstone; the revisions kept are added to `keep`.
   */
  compact(atRev: number, keep: KeepSet): void {
    let [genIdx, revIdx] = this.findCompactionPoint(atRev, keep);
    const g = this.generation(genIdx);
    if (g.revs.length > 0) {
      if (revIdx !== -1) g.revs = g.revs.slice(revIdx);
      // Only a tombstone is left of an ended generation: it goes too.
      if (g.revs.length === 2 && genIdx !== this.generations - 1) {
        keep.delete(g.revs[0]!, g.revs[1]!);
        genIdx++;
      }
    }
    if (genIdx > 0 && this.ended) this.ended = genIdx < this.ended.length ? this.ended.slice(genIdx) : undefined;
  }

  /** Adds to `keep` what compact(atRev) would keep, changing nothing. */
  keep(atRev: number, keep: KeepSet): void {
    if (this.isEmpty()) return;
    const [genIdx, revIdx] = this.findCompactionPoint(atRev, keep);
    const g = this.generation(genIdx);
    if (revIdx !== -1 && revIdx === g.revs.length - 2 && genIdx !== this.generations - 1) {
      keep.delete(g.revs[revIdx]!, g.revs[revIdx + 1]!);
    }
  }

  /** Serializes the generations (for the index checkpoint). */
  writeTo(w: ByteWriter): void {
    const ended = this.ended ?? [];
    w.uvarint(ended.length);
    for (const g of ended) writeGeneration(w, g);
    writeGeneration(w, this);
  }

  /** Reads what writeTo wrote, with `next` yielding its varints one by one. */
  static readFrom(next: () => number): KeyIndex {
    const ki = new KeyIndex();
    const endedCount = next();
    if (endedCount > 0) {
      ki.ended = [];
      for (let i = 0; i < endedCount; i++) {
        const ver = next();
        const created = next();
        ki.ended.push({ ver, created, revs: readRevs(next) });
      }
    }
    ki.ver = next();
    ki.created = next();
    ki.revs = readRevs(next);
    return ki;
  }

  /** Generations, ended ones first, the live one (this) last. */
  private get generations(): number {
    return (this.ended?.length ?? 0) + 1;
  }

  private generation(i: number): Generation {
    return this.ended !== undefined && i < this.ended.length ? this.ended[i]! : this;
  }

  /**
   * The first generation still reachable at atRev (its tombstone is after atRev, or it is the live
   * one) and the position of its latest revision at or before atRev (-1 if none), which joins `keep`.
   */
  private findCompactionPoint(atRev: number, keep: KeepSet): [number, number] {
    let genIdx = 0;
    const last = this.generations - 1;
    while (genIdx < last) {
      const revs = this.generation(genIdx).revs;
      if (revs[revs.length - 2]! > atRev) break;
      genIdx++;
    }
    const revs = this.generation(genIdx).revs;
    for (let i = revs.length - 2; i >= 0; i -= 2) {
      if (revs[i]! <= atRev) {
        keep.add(revs[i]!, revs[i + 1]!);
        return [genIdx, i];
      }
    }
    return [genIdx, -1];
  }

  private findGeneration(atRev: number): Generation | undefined {
    if (this.revs.length > 0 && this.revs[0]! <= atRev) return this;
    const ended = this.ended;
    if (ended === undefined) return undefined;
    for (let i = ended.length - 1; i >= 0; i--) {
      const revs = ended[i]!.revs;
      // Its tombstone is at or before atRev: the key was deleted then.
      if (revs[revs.length - 2]! <= atRev) return undefined;
      if (revs[0]! <= atRev) return ended[i];
    }
    return undefined;
  }
}

function writeGeneration(w: ByteWriter, g: Generation): void {
  w.uvarint(g.ver).uvarint(g.created).uvarint(g.revs.length);
  for (const n of g.revs) w.uvarint(n);
}

function readRevs(next: () => number): number[] {
  const n = next();
  const revs: number[] = [];
  for (let i = 0; i < n; i++) revs.push(next());
  return revs;
}
