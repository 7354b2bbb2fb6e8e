// The network and disk faults of a run, written to each member's fault file (LODESTONE_FAULT_FILE,
// read by cluster/fault-injection.ts every 100 ms). The state is a set of cut directed links
// (messages from one member to another are dropped) and a write delay per member; every change
// rewrites every member's file, atomically (a temporary file renamed over it), so a member never
// reads half a file — which it would take for "no faults".
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one member's fault file holds. */
export interface MemberFaults {
  readonly dropTo: readonly string[];
  readonly dropFrom: readonly string[];
  readonly fsyncDelayMs: number;
}

export class FaultFiles {
  /** Cut links as "from>to" by member index. */
  private readonly cut = new Set<string>();
  private readonly delays = new Map<number, number>();
  private memberIds: string[] = [];
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private members: number,
  ) {}

  /** Members with a file (those added during the run included). */
  get size(): number {
    return this.members;
  }

  /** A folder with one (empty) fault file per member. */
  static async create(size: number): Promise<FaultFiles> {
    const files = new FaultFiles(await mkdtemp(join(tmpdir(), 'lodestone-faults-')), size);
    await files.flush();
    return files;
  }

  /** The file member `index` must be started with. */
  file(index: number): string {
    return join(this.dir, `member-${index + 1}.json`);
  }

  /** The environment member `index` must be started with. */
  env(index: number): Record<string, string> {
    return { LODESTONE_FAULT_FILE: this.file(index) };
  }

  /** The members' hex IDs by index (known once the cluster has started); needed before any cut. */
  setMemberIds(hexIds: readonly string[]): void {
    if (hexIds.length !== this.size) throw new Error(`expected ${this.size} member ids, got ${hexIds.length}`);
    this.memberIds = [...hexIds];
  }

  /**
   * A file for member `index` (a member joining the cluster), written before it starts. Its id is
   * set with setMemberId once the cluster has given it one.
   */
  async ensureMember(index: number): Promise<void> {
    if (index < this.members) return;
    this.members = index + 1;
    await this.flush();
  }

  setMemberId(index: number, hexId: string): void {
    if (index >= this.members) throw new Error(`no fault file for member ${index}`);
    this.memberIds[index] = hexId;
  }

  /** Drops every message from `from` to `to` (one way). */
  cutLink(from: number, to: number): void {
    if (from !== to) this.cut.add(`${from}>${to}`);
  }

  /** Cuts both ways between every member of `a` and every member of `b`. */
  cutBetween(a: readonly number[], b: readonly number[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cutLink(x, y);
        this.cutLink(y, x);
      }
    }
  }

  setFsyncDelay(index: number, ms: number): void {
    if (ms > 0) this.delays.set(index, ms);
    else this.delays.delete(index);
  }

  /** Reconnects every link (call flush() to tell the members). */
  clearLinks(): void {
    this.cut.clear();
  }

  /** Forgets every fault (call flush() to tell the members). */
  clear(): void {
    this.cut.clear();
    this.delays.clear();
  }

  get active(): boolean {
    return this.cut.size > 0 || this.delays.size > 0;
  }

  /** The cut links as [from, to] index pairs, for logs. */
  cutLinks(): [number, number][] {
    return [...this.cut].map((l) => l.split('>').map(Number) as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  }

  /**
   * What member `index`'s file says: a cut link is dropped both by its sender (dropTo) and by its
   * receiver (dropFrom), so it stays cut while either of them restarts.
   */
  faultsOf(index: number): MemberFaults {
    const dropTo: string[] = [];
    const dropFrom: string[] = [];
    for (const [from, to] of this.cutLinks()) {
      if (from === index) dropTo.push(this.idOf(to));
      if (to === index) dropFrom.push(this.idOf(from));
    }
    return { dropTo, dropFrom, fsyncDelayMs: this.delays.get(index) ?? 0 };
  }

  /** Writes every member's file; resolves once they are all in place. Writes are serialized. */
  flush(): Promise<void> {
    const contents = Array.from({ length: this.size }, (_, i) => JSON.stringify(this.faultsOf(i)));
    const write = async (): Promise<void> => {
      await Promise.all(
        contents.map(async (text, i) => {
          const tmp = `${this.file(i)}.tmp`;
          await writeFile(tmp, text);
          await rename(tmp, this.file(i));
        }),
      );
    };
    this.writes = this.writes.then(write, write);
    return this.writes;
  }

  /** Heals everything and removes the folder. */
  async destroy(): Promise<void> {
    this.clear();
    await this.flush().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private idOf(index: number): string {
    const id = this.memberIds[index];
    if (id === undefined) throw new Error(`member ${index} has no known id yet`);
    return id;
  }
}
