// One fault file per member, by member name, for tests that set a fault on one member at a time
// (cluster/fault-injection.ts reads LODESTONE_FAULT_FILE every 100 ms). A file is written to a
// temporary name and renamed into place: a member reading a half-written file would see no faults.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from './cluster.js';

/** How long members take to see a new fault file (they re-read it every 100 ms). */
export const FAULT_SETTLE_MS = 400;

export class MemberFaultFiles {
  private constructor(readonly dir: string) {}

  static async create(prefix: string): Promise<MemberFaultFiles> {
    return new MemberFaultFiles(await mkdtemp(join(tmpdir(), prefix)));
  }

  /** The environment member `name` must be started with (TestCluster's memberEnv). */
  env(name: string): Record<string, string> {
    return { LODESTONE_FAULT_FILE: join(this.dir, `${name}.json`) };
  }

  /** Replaces member `name`'s faults (fault-injection.ts's fields; {} for none). */
  async set(name: string, faults: object): Promise<void> {
    const file = join(this.dir, `${name}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(faults));
    await rename(`${file}.tmp`, file);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A fresh 3-member Lodestone whose members each read their own fault file (none set yet). */
export interface ClusterWithFaults {
  readonly cluster: TestCluster;
  readonly faults: MemberFaultFiles;
  /** Stops the members and removes their fault files. */
  destroy(): Promise<void>;
}

export async function startClusterWithFaults(prefix: string): Promise<ClusterWithFaults> {
  const faults = await MemberFaultFiles.create(prefix);
  try {
    const cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', memberEnv: ({ name }) => faults.env(name) });
    return {
      cluster,
      faults,
      destroy: async () => {
        await cluster.destroy();
        await faults.remove();
      },
    };
  } catch (e) {
    await faults.remove();
    throw e;
  }
}
