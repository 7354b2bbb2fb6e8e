// The simulated network: per-message loss, duplication and delay (reordering follows from random
// delays), and partitions as a set of cut directed links.
import type { NodeId } from '../../raft/index.js';
import type { Prng } from './prng.js';

export interface LinkFaults {
  /** Probability a message is lost. */
  drop: number;
  /** Probability a message arrives twice. */
  duplicate: number;
  minDelay: number;
  maxDelay: number;
  /** Probability a message is held up by `slowDelay` extra time units (reorders it past later ones). */
  slow: number;
  slowDelay: number;
}

export const CALM: LinkFaults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 3, slow: 0, slowDelay: 0 };

export class SimNetwork {
  faults: LinkFaults = CALM;
  private readonly cut = new Set<string>();

  constructor(private readonly prng: Prng) {}

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.size > 0 && this.cut.has(`${from}>${to}`);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Cuts every link between the groups (members in no group keep all their links). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const a of groups[g]!) for (const b of groups[h]!) this.cut.add(`${a}>${b}`);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  describeCuts(): string {
    return [...this.cut].sort().join(' ');
  }

  /** When copies of a message sent at `now` arrive: none if lost, two if duplicated. */
  deliveries(now: number): number[] {
    const f = this.faults;
    if (f.drop > 0 && this.prng.chance(f.drop)) return [];
    const once = (): number => now + this.prng.range(f.minDelay, f.maxDelay) + (f.slow > 0 && this.prng.chance(f.slow) ? f.slowDelay : 0);
    const first = once();
    if (f.duplicate > 0 && this.prng.chance(f.duplicate)) return [first, once()];
    return [first];
  }
}
