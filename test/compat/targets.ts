// The servers a compatibility suite runs against. By default a test file starts, in parallel, a
// real etcd (one member) and Lodestone twice, as one member and as a cluster of three member
// processes, runs its suite against each, then compares what each Lodestone answered with what etcd
// answered. With ETCD_ENDPOINTS=host:port[,host:port…] the suite runs
// against that external etcd only: nothing is started and nothing is compared (the external server
// may hold other data; the suites write under their own key prefix, and the tests that would touch
// keys outside it are skipped). Run the files one at a time against a shared server
// (vitest run --no-file-parallelism test/compat): their compactions would otherwise race.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { checkBinaries, isCi, type BinaryCheck, type EtcdBinary } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';

export interface TargetMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
}

export interface CompatTarget {
  /** A label for describe(): "etcd 3.4 (1 member)", "Lodestone (3 members)", "external etcd at …". */
  readonly label: string;
  readonly kind: Implementation;
  /** Not started by the test: shared, possibly holding other data. */
  readonly external: boolean;
  /** Client endpoints ("host:port"); known once beforeAll has run. */
  readonly endpoints: readonly string[];
  /** The members, when the test started them (unknown for an external server). */
  readonly members: readonly TargetMember[] | undefined;
  /** The running cluster, when the test started it. */
  readonly cluster: TestCluster | undefined;
  /** False when the target cannot run here (its binary is missing outside CI): its tests skip. */
  readonly available: boolean;
}

class Target implements CompatTarget {
  endpoints: string[] = [];
  members: TargetMember[] | undefined;
  cluster: TestCluster | undefined;

  constructor(
    readonly label: string,
    readonly kind: Implementation,
    readonly external: boolean,
    readonly available: boolean,
    readonly size: number,
  ) {}

  async start(extraArgs: readonly string[]): Promise<void> {
    if (this.external || !this.available) return;
    this.cluster = await TestCluster.start({
      implementation: this.kind,
      size: this.size,
      logLevel: 'info',
      readyTimeoutMs: 60_000,
      extraArgs,
    });
    this.endpoints = this.cluster.endpoints;
    this.members = this.cluster.members.map((m) => ({ name: m.name, clientUrl: m.clientUrl, peerUrl: m.peerUrl }));
  }
}

export interface CompatSetup {
  readonly targets: readonly CompatTarget[];
  /** The real etcd and the Lodestone clusters, all started here: their answers can be compared. */
  readonly comparison: { readonly etcd: CompatTarget; readonly lodestone: readonly CompatTarget[] } | undefined;
  /** Where every key of this run lives: the same for all targets, unique per run. */
  readonly root: string;
  readonly binaries: BinaryCheck;
}

/** The external etcd endpoints from ETCD_ENDPOINTS, if set. */
export function externalEndpoints(): string[] | undefined {
  const raw = process.env.ETCD_ENDPOINTS?.trim();
  if (!raw) return undefined;
  return raw
    .split(',')
    .map((e) => e.trim().replace(/^https?:\/\//, ''))
    .filter((e) => e.length > 0);
}

export interface CompatTargetOptions {
  /** More flags for every member of the clusters started here (etcd's flags: both take them). */
  readonly extraArgs?: readonly string[];
}

/**
 * Declares the targets of a compatibility test file and registers the hooks that start them before
 * its tests and stop them after, even when tests fail. `needs` names the etcd binaries the suite
 * itself uses (etcdctl); the real etcd server is needed only when no ETCD_ENDPOINTS is given.
 */
export function useCompatTargets(suite: string, needs: readonly EtcdBinary[] = [], options: CompatTargetOptions = {}): CompatSetup {
  const root = `/compat/${suite}-${randomBytes(4).toString('hex')}/`;
  const external = externalEndpoints();
  if (external) {
    const binaries = checkBinaries(needs, `the ${suite} compatibility suite`);
    const target = new Target(`external etcd at ${external.join(',')}`, 'etcd', true, binaries.run, 1);
    target.endpoints = external;
    beforeAll(() => {
      if (isCi()) binaries.assertPresent();
    });
    return { targets: [target], comparison: undefined, root, binaries };
  }
  const binaries = checkBinaries([...new Set<EtcdBinary>(['etcd', ...needs])], `the ${suite} compatibility suite`);
  const has = (b: EtcdBinary): boolean => isCi() || !binaries.missing.includes(b);
  // Without the etcd server (outside CI) the suite still runs against Lodestone if it can.
  const etcd = new Target('etcd 3.4 (1 member)', 'etcd', false, has('etcd') && needs.every(has), 1);
  const lodestone = [
    new Target('Lodestone (1 member)', 'lodestone', false, needs.every(has), 1),
    new Target('Lodestone (3 members)', 'lodestone', false, needs.every(has), 3),
  ];
  const all = [etcd, ...lodestone];
  const extraArgs = options.extraArgs ?? [];
  beforeAll(async () => {
    if (isCi()) binaries.assertPresent();
    const results = await Promise.allSettled(all.map((t) => t.start(extraArgs)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(all.map((t) => t.cluster?.destroy()));
  }, 30_000);
  return { targets: all, comparison: { etcd, lodestone }, root, binaries };
}
