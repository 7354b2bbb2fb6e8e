// The clusters a comparison with etcd runs its script against, all real processes on loopback
// (TestCluster): a real etcd of one member, the reference, and Lodestone as one member and as three.
// One set per describe block, started side by side before its tests and stopped after them. On
// three members a script talks to a follower, so that its writes, lease calls and reads take the
// forwarding paths: a cluster may differ from etcd in timing, never in answers.
import type { ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BinaryCheck } from './binaries.js';
import { TestCluster, type Implementation } from './cluster.js';

export interface ComparedCluster {
  /** "etcd 3.4 (1 member)", "Lodestone (3 members)": for test names and failure messages. */
  readonly label: string;
  readonly implementation: Implementation;
  readonly size: number;
  /** The running cluster; throws before the describe block's beforeAll has started it. */
  readonly cluster: TestCluster;
  /** The member a script talks to ("127.0.0.1:port"): a follower when there are several. */
  readonly endpoint: string;
  /** Every member's endpoint. */
  readonly endpoints: readonly string[];
}

export interface ClustersBesideEtcd {
  readonly etcd: ComparedCluster;
  readonly lodestone: readonly [one: ComparedCluster, three: ComparedCluster];
  /** etcd first, then each Lodestone cluster. */
  readonly all: readonly ComparedCluster[];
}

export interface BesideEtcdOptions {
  /** More flags for every member of every cluster (etcd's flags: both take them). */
  readonly extraArgs?: readonly string[];
  /** https client URLs (the certificate flags go in extraArgs); endpoints stay "127.0.0.1:port". */
  readonly httpsClients?: boolean;
  /** What the readiness probes dial https client URLs with (a client certificate, if one is required). */
  readonly probeCredentials?: ChannelCredentials;
}

class Compared implements ComparedCluster {
  private started: { cluster: TestCluster; endpoint: string } | undefined;

  constructor(
    readonly implementation: Implementation,
    readonly size: number,
  ) {}

  get label(): string {
    const name = this.implementation === 'etcd' ? 'etcd 3.4' : 'Lodestone';
    return `${name} (${this.size} member${this.size === 1 ? '' : 's'})`;
  }

  private get running(): { cluster: TestCluster; endpoint: string } {
    if (!this.started) throw new Error(`${this.label} is not running: its beforeAll failed or has not run`);
    return this.started;
  }

  get cluster(): TestCluster {
    return this.running.cluster;
  }

  get endpoint(): string {
    return this.running.endpoint;
  }

  get endpoints(): readonly string[] {
    return this.running.cluster.endpoints;
  }

  async start(options: BesideEtcdOptions): Promise<void> {
    const cluster = await TestCluster.start({
      implementation: this.implementation,
      size: this.size,
      readyTimeoutMs: 60_000,
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      ...(options.httpsClients ? { https: { client: true } } : {}),
      ...(options.probeCredentials ? { probeCredentials: options.probeCredentials } : {}),
    });
    try {
      const ready = await cluster.waitReady();
      const follower = cluster.members.find((m) => m.index !== ready.leaderIndex) ?? cluster.members[ready.leaderIndex]!;
      this.started = { cluster, endpoint: follower.endpoint };
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
  }

  async destroy(): Promise<void> {
    const cluster = this.started?.cluster;
    this.started = undefined;
    await cluster?.destroy();
  }
}

/** A script run against one cluster, written down as text lines: what a comparison compares. */
export type Script = (cluster: ComparedCluster) => Promise<readonly string[]>;

/**
 * Declares one test per Lodestone cluster: what it answers to `script` must be what etcd answered
 * (etcd runs the script once, in the first of these tests, and the others reuse its answers).
 */
export function itAnswersAsEtcd(clusters: ClustersBesideEtcd, name: string, script: Script, timeoutMs = 60_000): void {
  let reference: Promise<readonly string[]> | undefined;
  for (const lodestone of clusters.lodestone) {
    it(`${name}: ${lodestone.label} answers as etcd does`, async () => {
      reference ??= script(clusters.etcd);
      const theirs = await reference;
      const ours = await script(lodestone);
      expect(ours).toEqual(theirs);
    }, timeoutMs);
  }
}

/**
 * Declares, in the enclosing describe block, the clusters of a comparison with etcd and the hooks
 * that start them (side by side) and stop them. `binaries` is the file's checkBinaries(['etcd'], …):
 * under CI a missing etcd fails the block rather than skipping it. `options` may be a function,
 * called in the hook once the binaries are known to be there: for flags naming files it makes
 * (certificates).
 */
export function useClustersBesideEtcd(
  binaries: Pick<BinaryCheck<string>, 'assertPresent'>,
  options: BesideEtcdOptions | (() => Promise<BesideEtcdOptions>) = {},
): ClustersBesideEtcd {
  const etcd = new Compared('etcd', 1);
  const lodestone = [new Compared('lodestone', 1), new Compared('lodestone', 3)] as const;
  const all = [etcd, ...lodestone];
  beforeAll(async () => {
    binaries.assertPresent();
    const resolved = typeof options === 'function' ? await options() : options;
    const results = await Promise.allSettled(all.map((c) => c.start(resolved)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(all.map((c) => c.destroy()));
      throw failed.reason;
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(all.map((c) => c.destroy()));
  }, 30_000);
  return { etcd, lodestone, all };
}
