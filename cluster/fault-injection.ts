// Faults for tests: when the environment names a fault file (LODESTONE_FAULT_FILE), the member reads
// it every 100 ms and drops peer traffic to or from the members it lists, delays every log write by
// fsyncDelayMs and every apply batch by applyDelayMs — network partitions, a slow disk and a state
// machine that lags, without touching the machine's network. Without the variable none of this exists.
//
//   { "dropTo": ["8e9e05c52164694d"], "dropFrom": ["8e9e05c52164694d"], "fsyncDelayMs": 0, "applyDelayMs": 0 }
//
// Member IDs are etcd's hex form. A missing or unreadable file means no faults.
import { readFile } from 'node:fs/promises';
import type { NodeId } from '../raft/index.js';

export interface Faults {
  readonly dropTo: ReadonlySet<NodeId>;
  readonly dropFrom: ReadonlySet<NodeId>;
  readonly fsyncDelayMs: number;
  readonly applyDelayMs: number;
}

const NONE: Faults = { dropTo: new Set(), dropFrom: new Set(), fsyncDelayMs: 0, applyDelayMs: 0 };

function delay(v: unknown): number {
  return typeof v === 'number' && v > 0 ? v : 0;
}

function parseIds(v: unknown): Set<NodeId> {
  if (!Array.isArray(v)) return new Set();
  return new Set(v.filter((x): x is string => typeof x === 'string').map((hex) => Number(BigInt(`0x${hex}`))));
}

export class FaultInjector {
  private current: Faults = NONE;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly file: string) {
    this.timer = setInterval(() => void this.reload(), 100);
    this.timer.unref();
  }

  /** A fault injector if the environment asks for one. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): FaultInjector | undefined {
    const file = env.LODESTONE_FAULT_FILE;
    return file ? new FaultInjector(file) : undefined;
  }

  get faults(): Faults {
    return this.current;
  }

  async reload(): Promise<void> {
    try {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>;
      this.current = {
        dropTo: parseIds(doc.dropTo),
        dropFrom: parseIds(doc.dropFrom),
        fsyncDelayMs: delay(doc.fsyncDelayMs),
        applyDelayMs: delay(doc.applyDelayMs),
      };
    } catch {
      this.current = NONE;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
