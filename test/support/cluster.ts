// Clusters of real server processes on loopback for tests: Lodestone members (node + tsx running
// cluster/main.ts) or real etcd, started with the same etcd flags on free ports, each member with
// its own data dir under one temporary folder. A member can be stopped (SIGTERM), killed
// (SIGKILL), paused (SIGSTOP) and restarted on the same ports and data dir; waitReady() polls
// until every running member answers and agrees on a leader. Members can join a running cluster
// (addMember: fresh ports and data dir, --initial-cluster-state existing, once the cluster has
// accepted them) and leave it (markRemoved, once it has removed them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { findBinary } from './binaries.js';
import { freePorts, LOOPBACK } from './free-ports.js';
import { probeMember, type MemberProbe } from './probe.js';
import { ServerProcess } from './server-process.js';

export type Implementation = 'lodestone' | 'etcd';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LODESTONE_MAIN = join(REPO_ROOT, 'cluster', 'main.ts');

export interface ClusterOptions {
  readonly implementation: Implementation;
  /** Number of members (1 by default). */
  readonly size?: number;
  /** Member names are `${namePrefix}${i + 1}` (etcd's local-cluster names: infra1, infra2, …). */
  readonly namePrefix?: string;
  readonly token?: string;
  /** Lodestone's --log-level (etcd keeps its own default). */
  readonly logLevel?: string;
  /** More flags for every member, after the generated ones. */
  readonly extraArgs?: readonly string[];
  /** How long start() waits for the cluster to be ready (30 s by default). */
  readonly readyTimeoutMs?: number;
  /**
   * More environment for one member's process (e.g. its own LODESTONE_FAULT_FILE), added after the
   * test's environment has been cleared of etcd's and Lodestone's own settings.
   */
  readonly memberEnv?: (member: { readonly index: number; readonly name: string }) => Readonly<Record<string, string>>;
  /** Node's own flags for a Lodestone member's process (--cpu-prof, say); etcd members take none. */
  readonly nodeArgs?: (member: { readonly index: number; readonly name: string }) => readonly string[];
  /** Lines of each member's output kept (400 by default). */
  readonly keepLines?: number;
  /** https client and/or peer URLs (the certificate flags go in extraArgs). */
  readonly https?: { readonly client?: boolean; readonly peer?: boolean };
  /** What waitReady's probes dial https client URLs with. */
  readonly probeCredentials?: ChannelCredentials;
  /**
   * Fills each member's data dir before its first start (a snapshot restore): told the member, the
   * --initial-cluster and the token it starts with; the dir does not exist yet.
   */
  readonly prepareDataDir?: (member: PreparedMember) => Promise<void>;
}

export interface PreparedMember {
  readonly index: number;
  readonly name: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly initialCluster: string;
  readonly token: string;
}

export interface ClusterMember {
  readonly index: number;
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** "http://127.0.0.1:port" (https:// with ClusterOptions.https) */
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** "127.0.0.1:port": what etcdctl --endpoints and grpc-js take. */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly process: ServerProcess;
}

/** A ready cluster: every running member answered, and they agree on a leader among them. */
export interface ReadyState {
  readonly leaderId: string;
  /** Index of the leader in `members`. */
  readonly leaderIndex: number;
  /** Each running member's probe, by index. */
  readonly probes: ReadonlyMap<number, MemberProbe>;
}

export class ClusterStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = 'ClusterStartError';
  }
}

const PORT_IN_USE = /EADDRINUSE|address already in use/i;

/** What a new member needs to be accepted by the cluster before it starts (see addMember). */
export interface JoiningMember {
  readonly index: number;
  readonly name: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

export class TestCluster {
  private destroyed = false;
  /** Members removed from the cluster (they keep their index; their process is stopped). */
  private readonly removed = new Set<number>();
  /** Members meant to be running: started and not stopped or killed on purpose since. */
  private readonly wanted = new Set<number>();
  /** Members paused with SIGSTOP. */
  private readonly paused = new Set<number>();

  private constructor(
    readonly implementation: Implementation,
    readonly dataRoot: string,
    private readonly all: ClusterMember[],
    private readonly readyTimeoutMs: number,
    private readonly options: ClusterOptions,
    private readonly token: string,
  ) {}

  /** Every member ever started, by index: the initial ones, then those added; removed ones stay. */
  get members(): readonly ClusterMember[] {
    return this.all;
  }

  /** The members of the cluster now: not removed. */
  get activeMembers(): readonly ClusterMember[] {
    return this.all.filter((m) => !this.removed.has(m.index));
  }

  isRemoved(which: number | string): boolean {
    return this.removed.has(this.member(which).index);
  }

  /**
   * Starts a new cluster and waits until it is ready. Ports taken by someone else in the meantime
   * are retried with fresh ones (a few times); any other failure stops what was started and throws
   * with the members' last output.
   */
  static async start(options: ClusterOptions): Promise<TestCluster> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      const cluster = await TestCluster.spawn(options);
      try {
        await cluster.waitReady();
        return cluster;
      } catch (e) {
        lastError = e;
        await cluster.destroy();
        if (!(e instanceof ClusterStartError && e.portInUse)) throw e;
      }
    }
    throw lastError;
  }

  private static async spawn(options: ClusterOptions): Promise<TestCluster> {
    const size = options.size ?? 1;
    const implementation = options.implementation;
    if (implementation === 'etcd' && findBinary('etcd') === undefined) throw new Error('etcd is not on PATH (Debian package etcd-server)');
    const dataRoot = await mkdtemp(join(tmpdir(), `${implementation}-test-`));
    const ports = await freePorts(2 * size);
    const prefix = options.namePrefix ?? 'infra';
    const token = options.token ?? `${implementation}-test-${process.pid}-${Date.now()}`;
    const specs = Array.from({ length: size }, (_, index) => {
      const clientPort = ports[2 * index]!;
      const peerPort = ports[2 * index + 1]!;
      return {
        index,
        name: `${prefix}${index + 1}`,
        clientPort,
        peerPort,
        clientUrl: `${schemes(options).client}://${LOOPBACK}:${clientPort}`,
        peerUrl: `${schemes(options).peer}://${LOOPBACK}:${peerPort}`,
        endpoint: `${LOOPBACK}:${clientPort}`,
        dataDir: join(dataRoot, `infra${index + 1}.etcd`),
      };
    });
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const members: ClusterMember[] = specs.map((s) => ({ ...s, process: memberProcess(options, s, initialCluster, token, 'new') }));
    const cluster = new TestCluster(implementation, dataRoot, members, options.readyTimeoutMs ?? 30_000, options, token);
    if (options.prepareDataDir) {
      try {
        for (const s of specs) await options.prepareDataDir({ index: s.index, name: s.name, peerUrl: s.peerUrl, dataDir: s.dataDir, initialCluster, token });
      } catch (e) {
        await cluster.destroy();
        throw e;
      }
    }
    for (const m of members) cluster.restart(m.index);
    return cluster;
  }

  /**
   * What a client dials the members' client URLs with: ClusterOptions.probeCredentials when the
   * cluster has them (https client URLs), plaintext otherwise.
   */
  get clientCredentials(): ChannelCredentials {
    return this.options.probeCredentials ?? credentials.createInsecure();
  }

  /** The client endpoints ("127.0.0.1:port") of all members, running or not. */
  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  member(which: number | string): ClusterMember {
    const m = typeof which === 'number' ? this.members[which] : this.members.find((x) => x.name === which);
    if (!m) throw new Error(`no member ${String(which)}`);
    return m;
  }

  /** Graceful stop of one member (SIGTERM; SIGKILL after `graceMs`). */
  async stop(which: number | string, graceMs?: number): Promise<void> {
    const m = this.member(which);
    this.wanted.delete(m.index);
    if (this.paused.delete(m.index)) await m.process.kill('SIGCONT');
    await m.process.stop(graceMs);
  }

  /** Sends a signal to one member: SIGKILL (the default) crashes it; SIGSTOP / SIGCONT pause and resume it. */
  async kill(which: number | string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.member(which);
    if (signal === 'SIGSTOP') this.paused.add(m.index);
    else if (signal === 'SIGCONT') this.paused.delete(m.index);
    else this.wanted.delete(m.index);
    await m.process.kill(signal);
  }

  /** Whether the member is meant to be running (started, not stopped or killed since) and is not paused. */
  isServing(which: number | string): boolean {
    const m = this.member(which);
    return this.wanted.has(m.index) && !this.paused.has(m.index);
  }

  /** Starts a stopped member again on its ports and data dir; add waitReady() to wait for it. */
  restart(which: number | string): void {
    const m = this.member(which);
    if (this.removed.has(m.index)) throw new Error(`${m.name} was removed from the cluster`);
    m.process.start();
    this.wanted.add(m.index);
    this.paused.delete(m.index);
  }

  /**
   * Adds a member to the running cluster: fresh ports and data dir under the cluster's folder, the
   * cluster's flags, and --initial-cluster-state existing. `accept` is told the new member's name and
   * URLs before anything starts; it must have the cluster accept it (MemberAdd) and return the
   * --initial-cluster to start it with ("name=peerUrl,…", itself included). If `accept` throws, nothing
   * is added. The member is started; add waitReady() to wait for it.
   */
  async addMember(accept: (member: JoiningMember) => Promise<string>): Promise<ClusterMember> {
    if (this.destroyed) throw new Error('the cluster was destroyed');
    const [clientPort, peerPort] = await freePorts(2);
    const index = this.all.length;
    const prefix = this.options.namePrefix ?? 'infra';
    const spec = {
      index,
      name: `${prefix}${index + 1}`,
      clientPort: clientPort!,
      peerPort: peerPort!,
      clientUrl: `${schemes(this.options).client}://${LOOPBACK}:${clientPort!}`,
      peerUrl: `${schemes(this.options).peer}://${LOOPBACK}:${peerPort!}`,
      endpoint: `${LOOPBACK}:${clientPort!}`,
      dataDir: join(this.dataRoot, `infra${index + 1}.etcd`),
    };
    const initialCluster = await accept({ index, name: spec.name, peerUrl: spec.peerUrl, clientUrl: spec.clientUrl });
    if (this.destroyed) throw new Error('the cluster was destroyed');
    const member: ClusterMember = { ...spec, process: memberProcess(this.options, spec, initialCluster, this.token, 'existing') };
    this.all.push(member);
    this.restart(index);
    return member;
  }

  /**
   * The cluster has removed this member: it is no longer waited for or expected in the member list.
   * Waits up to `exitWithinMs` for the process to end by itself (a removed member stops), then stops
   * it; resolves with whether it had ended by itself.
   */
  async markRemoved(which: number | string, exitWithinMs = 10_000): Promise<boolean> {
    const m = this.member(which);
    this.removed.add(m.index);
    this.wanted.delete(m.index);
    if (this.paused.delete(m.index)) await m.process.kill('SIGCONT');
    if (!m.process.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      m.process.waitExit().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), exitWithinMs))),
    ]);
    clearTimeout(timer);
    if (!exited) await m.process.stop();
    return exited;
  }

  /**
   * Polls until every running member answers Status and a linearizable read, and they all name the
   * same leader, which is one of them; also until MemberList shows every member with its client
   * URLs (members publish them once a leader exists). Fails at once if a member exits meanwhile.
   */
  async waitReady(timeoutMs = this.readyTimeoutMs): Promise<ReadyState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.members) {
        const status = m.process.exitStatus;
        if (this.wanted.has(m.index) && status !== undefined) {
          const output = m.process.output().join('\n');
          throw new ClusterStartError(
            `${this.implementation} member ${m.name} exited (${status.signal ?? `code ${String(status.code)}`}) while waiting for the cluster\n${m.process.tail()}`,
            PORT_IN_USE.test(output),
          );
        }
      }
      const probed = this.members.filter((m) => this.wanted.has(m.index) && !this.paused.has(m.index));
      if (probed.length === 0) throw new Error('no member is running');
      const result = await this.probeOnce(probed);
      if (typeof result !== 'string') return result;
      if (Date.now() > deadline) {
        throw new ClusterStartError(
          `${this.implementation} cluster not ready after ${timeoutMs} ms: ${result}\n${probed.map((m) => m.process.tail(15)).join('\n')}`,
          false,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async probeOnce(running: readonly ClusterMember[]): Promise<ReadyState | string> {
    const probes = await Promise.all(running.map((m) => probeMember(m.endpoint, 1500, this.options.probeCredentials).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    const byIndex = new Map<number, MemberProbe>();
    for (let i = 0; i < running.length; i++) {
      const p = probes[i]!;
      if (p instanceof Error) return `${running[i]!.name}: ${p.message}`;
      byIndex.set(running[i]!.index, p);
    }
    const leaders = new Set([...byIndex.values()].map((p) => p.leaderId));
    if (leaders.size !== 1) return `members disagree on the leader: ${[...leaders].join(', ')}`;
    const leaderId = [...leaders][0]!;
    if (leaderId === '0') return 'no leader';
    const leaderEntry = [...byIndex].find(([, p]) => p.memberId === leaderId);
    if (!leaderEntry) return `leader ${leaderId} is not a running member`;
    const list = leaderEntry[1].members;
    const expected = this.all.length - this.removed.size;
    if (list.length !== expected) return `member list has ${list.length} members, expected ${expected}`;
    const unpublished = list.filter((m) => m.clientUrls.length === 0);
    if (unpublished.length > 0) return `members not yet published: ${unpublished.map((m) => m.name || m.id).join(', ')}`;
    return { leaderId, leaderIndex: leaderEntry[0], probes: byIndex };
  }

  /** Stops every member (SIGTERM, SIGKILL after `graceMs`) and removes the data. Safe to call twice. */
  async destroy(graceMs = 5000): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.wanted.clear();
    // A paused member cannot act on SIGTERM.
    for (const index of this.paused) await this.members[index]!.process.kill('SIGCONT');
    this.paused.clear();
    await Promise.all(this.members.map((m) => m.process.stop(graceMs)));
    await rm(this.dataRoot, { recursive: true, force: true });
  }
}

function schemes(options: ClusterOptions): { client: string; peer: string } {
  return { client: options.https?.client ? 'https' : 'http', peer: options.https?.peer ? 'https' : 'http' };
}

/** One member's process: the flags every member gets, and --initial-cluster(-state) as given. */
function memberProcess(
  options: ClusterOptions,
  s: { index: number; name: string; clientUrl: string; peerUrl: string; dataDir: string },
  initialCluster: string,
  token: string,
  state: 'new' | 'existing',
): ServerProcess {
  const implementation = options.implementation;
  const command = implementation === 'etcd' ? findBinary('etcd') : process.execPath;
  if (command === undefined) throw new Error('etcd is not on PATH (Debian package etcd-server)');
  const flags = [
    '--name', s.name,
    '--data-dir', s.dataDir,
    '--listen-client-urls', s.clientUrl,
    '--advertise-client-urls', s.clientUrl,
    '--listen-peer-urls', s.peerUrl,
    '--initial-advertise-peer-urls', s.peerUrl,
    '--initial-cluster', initialCluster,
    '--initial-cluster-token', token,
    '--initial-cluster-state', state,
    ...(implementation === 'lodestone' ? ['--log-level', options.logLevel ?? 'info'] : []),
    ...(options.extraArgs ?? []),
  ];
  const nodeArgs = options.nodeArgs?.({ index: s.index, name: s.name }) ?? [];
  const args = implementation === 'etcd' ? flags : [...nodeArgs, '--import', 'tsx', LODESTONE_MAIN, ...flags];
  const env = { ...childEnv(), ...(options.memberEnv?.({ index: s.index, name: s.name }) ?? {}) };
  const keep = options.keepLines === undefined ? {} : { keepLines: options.keepLines };
  return new ServerProcess({ name: s.name, command, args, cwd: REPO_ROOT, env, ...keep });
}

/** The test's environment without settings meant for etcd, etcdctl or Lodestone themselves. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(ETCD_|ETCDCTL_|LODESTONE_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}
