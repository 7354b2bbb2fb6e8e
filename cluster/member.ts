// A Lodestone member: raft consensus, the LevelDB log and state, the peer transport and the etcd API,
// wired together. A Node program creates one with Member.start(options) and ends it with close();
// the command line and the local-cluster script are thin wrappers around this class.
//
// The write path: a client request becomes a proposal (proposals.ts) that the raft driver
// (raft-driver.ts — the same code the simulator runs) hands to raft; each Ready is saved in one
// synced LevelDB batch, its messages sent, and its committed entries applied to the MVCC store in
// one synced batch together with the applied index; the waiting client then gets the result of its
// own proposal. This file composes the parts and runs the member's life; each job has a file:
// proposals.ts, linearizable-reads.ts, membership-admin.ts, maintenance.ts, snapshots.ts,
// lease-manager.ts, applier.ts.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { RawNode, type Entry, type Message, type NodeId, type Ready, type SnapshotMessage, type SoftState } from '../raft/index.js';
import type { CallOptions } from '../rpc/call-options.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import type { HeaderFields } from '../rpc/kv-convert.js';
import { PeerTransport } from '../rpc/peer-transport.js';
import { ClientServer } from '../rpc/client-server.js';
import type { AlarmInfo, AlarmType, ClusterBackend, MemberInfo, StatusInfo } from '../rpc/member-backend.js';
import type { WatchBackend, WatchSink, WatchSpec, Watcher } from '../rpc/watch-backend.js';
import { WatchHub } from '../store/watch/watch-hub.js';
import { observeWrites, openStoreDb, type StoreDb } from '../store/db.js';
import { openMemoryDb } from '../store/memory-db.js';
import { LocalMeta } from '../store/local-meta.js';
import { MvccStore } from '../store/mvcc/mvcc-store.js';
import type * as st from '../store/mvcc/types.js';
import { checkWriteRequest, requestLimits, type RequestLimits } from '../store/mvcc/validate.js';
import { RaftLogStore } from '../store/raft-log-store.js';
import { ALARMS } from './alarms.js';
import { effectiveQuota, fitsQuota, MAX_SUGGESTED_QUOTA_BYTES, quotaCost } from './quota.js';
import { applyEntries, type AuthOutcome, type ApplyResult } from './applier.js';
import { AuthManager } from './auth-manager.js';
import { checkRange, checkTxn } from '../store/auth/request-checks.js';
import type { AuthInfo, AuthOp } from '../store/auth/auth-state.js';
import { establishIdentity, type Identity } from './bootstrap.js';
import { FaultInjector } from './fault-injection.js';
import { LEASE_FORWARDS, LeaseManager } from './lease-manager.js';
import { Registry } from '../registry/registry.js';
import { MemberDns } from '../dns/member-dns.js';
import { closeExpiredSessions } from '../zookeeper/server/session-expiry.js';
import { MemberZooKeeper } from '../zookeeper/server/member-zookeeper.js';
import { CheckRunner } from '../registry/checks/check-runner.js';
import { LinearizableReads } from './linearizable-reads.js';
import { hostPort, MEMBER_DEFAULTS, validateOptions, type MemberOptions } from './member-options.js';
import { MEMBERS, REMOVED_MEMBERS, type MemberRecord } from './membership.js';
import { MembershipAdmin } from './membership-admin.js';
import { forwardToLeader, type ForwardingPort } from './leader-forwarding.js';
import { PeerClosedError } from '../rpc/peer-errors.js';
import { memberTls, type MemberTls } from './member-tls.js';
import { ETCD_COMPATIBLE_VERSION } from '../rpc/maintenance-service.js';
import { MemberMetrics } from '../metrics/member-metrics.js';
import { consulHttpHandler, type ConsulApiSource } from '../http/consul/consul-http-handler.js';
import { configHttpHandler } from '../http/config/config-http-handler.js';
import type { ConsoleSource } from '../http/console/console-api.js';
import { consoleHttpHandler, consoleRootRedirect } from '../http/console/console-http-handler.js';
import { MemberHttp } from '../http/console/member-http.js';
import { GrayGuard } from '../configcenter/index.js';
import { memberHttpHandler, type EtcdVersions, type Health, type MemberEndpointsSource } from '../http/member-endpoints.js';
import { MetricsListener } from '../http/metrics-listener.js';
import { checkHealth } from './health-check.js';
import { Maintenance } from './maintenance.js';
import { autoCompactor, type AutoCompactor } from './auto-compactor.js';
import { parseCompactionRetention } from './compaction-retention.js';
import { Proposals } from './proposals.js';
import { RaftDriver, type RaftDriverHooks } from './raft-driver.js';
import { checkStateCoversLog, Snapshots } from './snapshots.js';
import { SnapshotStaging } from './snapshot-staging.js';

/** How often a request is stamped afresh after auth changes overtook it (withFreshStamp). */
const STALE_STAMP_ATTEMPTS = 3;

/** What raft says of this member, for status displays and tests. */
export interface RaftStatusView {
  readonly leader: NodeId;
  readonly term: number;
  readonly role: SoftState['role'];
  readonly applied: number;
  readonly commit: number;
}

export class Member implements KvBackend, ClusterBackend, WatchBackend, MemberEndpointsSource {
  readonly options: MemberOptions;
  readonly logger: Logger;
  readonly id: NodeId;
  readonly clusterId: number;
  /** Leases: grants and revokes through raft, expiry and keepalives on the leader. */
  readonly leases: LeaseManager;
  /** Users, roles, tokens and the checks of etcd's auth. */
  readonly auth: AuthManager;
  /** The service registry's view and writes (registry/), served by DNS and Consul's HTTP API. */
  readonly registry: Registry = new Registry(this);
  /** etcd's metrics, this member's own (see exposition() and the /metrics endpoint). */
  readonly metrics: MemberMetrics;
  /** The registry's health checks this member runs, spread over the members (registry/checks/). */
  readonly checks: CheckRunner;
  /** Abandons a gray release an instance rejected or whose instance went critical, while this member leads. */
  private readonly grayGuard: GrayGuard;

  private readonly driver: RaftDriver;
  private readonly proposals: Proposals;
  private readonly reads: LinearizableReads;
  private readonly admin: MembershipAdmin;
  private readonly maintenance: Maintenance;
  private readonly snapshots: Snapshots;
  /** etcd's auto-compaction, when its flags ask for it: it compacts while this member leads. */
  private readonly compactor: AutoCompactor | undefined;
  /** Every watcher on this member, fed from the state it applies. */
  private readonly watches: WatchHub;
  /** Test-only partitions and disk delays, when LODESTONE_FAULT_FILE names a fault file. */
  private readonly faults = FaultInjector.fromEnvironment();
  private readonly limits: RequestLimits;
  private readonly startedAt = performance.now();
  /** When each peer's last raft message arrived: the check runner's test of a live member. */
  private readonly lastHeard = new Map<NodeId, number>();

  /** The applied member list, and the peers a joining member was told of until it has one. */
  private readonly list: { members: readonly MemberRecord[]; readonly joinedWith: readonly MemberRecord[] };
  /** Members removed from the cluster: the peer transport refuses them saying so. */
  private removedIds: ReadonlySet<NodeId>;
  /** The active alarms, as applied here. */
  private alarmList: readonly AlarmInfo[];
  /** The backend quota in bytes (Infinity: none). */
  private readonly quotaBytes: number;
  private learner: boolean;
  private transport: PeerTransport | undefined;
  private clientServer: ClientServer | undefined;
  private metricsListener: MetricsListener | undefined;
  /** The registry's DNS interface, when --listen-dns-urls names addresses. */
  private dns: MemberDns | undefined;
  /** ZooKeeper's client protocol, when --listen-zookeeper-urls names addresses. */
  private zookeeper: MemberZooKeeper | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private closing = false;
  private closed: Promise<void> = Promise.resolve();
  /** The temporary folder of an in-memory member, removed on close. */
  private scratchDir: string | undefined;

  private constructor(
    options: MemberOptions,
    logger: Logger,
    identity: Identity,
    private readonly db: StoreDb,
    private readonly logStore: RaftLogStore,
    private readonly mvcc: MvccStore,
    staging: SnapshotStaging,
    dbDir: string | undefined,
    private readonly tls: MemberTls,
  ) {
    this.options = options;
    this.logger = logger;
    this.id = identity.memberId;
    this.clusterId = identity.clusterId;
    this.list = { members: mvcc.meta(MEMBERS) ?? [], joinedWith: identity.joinedWith };
    this.removedIds = new Set(mvcc.meta(REMOVED_MEMBERS) ?? []);
    this.alarmList = mvcc.meta(ALARMS) ?? [];
    // In memory there are no files to measure, so there is no backend size to hold to a quota.
    this.quotaBytes = options.inMemory ? Infinity : effectiveQuota(options.quotaBackendBytes);
    this.limits = requestLimits({ maxRequestBytes: options.maxRequestBytes, maxTxnOps: options.maxTxnOps });
    const requestTimeoutMs = this.requestTimeoutMs();
    const node = new RawNode({
      id: this.id,
      storage: logStore,
      random: { int: (n) => randomInt(n) },
      // Restart from the log's snapshot: committed entries after it are handed out again, so raft
      // re-learns configuration changes; the store skips what it had already applied.
      applied: logStore.snapshot().meta.index,
      electionTick: Math.max(2, Math.round(options.electionTimeout / options.heartbeatInterval)),
      heartbeatTick: 1,
      checkQuorum: true,
      preVote: true,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      // Past this the leader refuses proposals (etcd's "too many requests") rather than buffer more.
      maxUncommittedEntriesSize: 64 * 1024 * 1024,
      // Committed entries being applied at once: raft stops handing out more past this.
      maxCommittedSizePerReady: 16 * 1024 * 1024,
    });
    this.driver = new RaftDriver(node, this.driverHooks(), { soon: (fn) => setImmediate(fn) }, logStore.snapshot().meta.index);
    this.learner = this.driver.fullStatus().confState.learners.includes(this.id);
    // The gauges read the parts below when scraped; the events are fed where they happen.
    this.metrics = new MemberMetrics({
      memberId: this.id,
      serverVersion: ETCD_COMPATIBLE_VERSION,
      leader: () => this.driver.status().lead,
      isLeader: () => this.driver.status().role === 'leader',
      isLearner: () => this.learner,
      commitIndex: () => this.driver.status().commit,
      appliedIndex: () => this.driver.status().applied,
      pendingProposals: () => this.proposals.size,
      keys: () => this.mvcc.keyCount,
      watchers: () => {
        const w = this.watches.stats;
        return { total: w.watchers, slow: w.unsynced };
      },
      dbSize: () => this.maintenance.dbSize,
      quotaBytes: () => (this.quotaBytes === Infinity ? Math.min(-1, options.quotaBackendBytes) : this.quotaBytes),
    });
    observeWrites(db, (batch) => this.metrics.batchWritten(batch));
    this.proposals = new Proposals(this.driver, {
      self: this.id,
      maxRequestBytes: options.maxRequestBytes,
      requestTimeoutMs,
      electionTimeoutMs: options.electionTimeout,
      now: () => performance.now(),
      onFailed: () => this.metrics.proposalFailed(),
    });
    this.reads = new LinearizableReads(
      {
        readIndex: (ctx) => this.driver.readIndex(ctx),
        waitApplied: (index) => this.driver.waitApplied(index),
        now: () => performance.now(),
      },
      `r${this.id.toString(16)}-${Date.now()}`,
      Math.max(500, options.electionTimeout / 2),
      requestTimeoutMs,
    );
    this.watches = new WatchHub(mvcc);
    this.auth = new AuthManager(
      {
        propose: (op, who, call) => this.proposeAuth(op, who, call),
        linearizableRead: (call) => this.linearizableRead(call),
        waitApplied: (index, call) => this.waitAppliedBriefly(index, call),
        appliedIndex: () => this.mvcc.appliedIndex,
        metaRecords: (prefix) => this.mvcc.metaRecords(prefix),
      },
      options.authToken,
      options.authTokenTtl,
      tls.client?.clientCertAuth ?? false,
    );
    this.leases = new LeaseManager(
      {
        write: (req, call) => this.write(req, call),
        isLeader: () => this.driver.status().role === 'leader',
        forwardToLeader: (request, timeoutMs) => forwardToLeader(this.forwardingPort(), request, timeoutMs),
        lease: (id) => this.mvcc.lease(id),
        untilCommittedApplied: (call) => this.waitAppliedBriefly(this.driver.status().commit, call),
        leases: () => this.mvcc.leases(),
        leaseKeys: (id) => this.mvcc.leaseKeys(id),
        revision: () => this.mvcc.revision,
        refuseOnLearner: () => this.refuseOnLearner(),
        now: () => performance.now(),
      },
      {
        // etcd's minimum TTL: one and a half election timeouts, in whole seconds.
        minTtl: Math.ceil((1.5 * options.electionTimeout) / 1000),
        electionTimeoutMs: options.electionTimeout,
        checkpointIntervalMs: 1000,
        logger,
        beforeExpiredRevoke: closeExpiredSessions(this, (id) => this.mvcc.leaseKeys(id)),
      },
    );
    this.checks = new CheckRunner({
      memberId: this.id,
      kv: this,
      leases: this.leases,
      registry: this.registry,
      logger: logger.child({ component: 'health-checks' }),
      // A dead member's checks move after this at most (the lessor's minimum: 1.5 election
      // timeouts); the leader moves them once it knows the member silent (silent-runner-reaper.ts).
      presenceTtlSeconds: Math.ceil((1.5 * options.electionTimeout) / 1000),
      electionTimeoutMs: options.electionTimeout,
      heartbeatIntervalMs: options.heartbeatInterval,
      leaderTerm: () => {
        const st = this.driver.status();
        return st.role === 'leader' ? st.term : undefined;
      },
      leaderId: () => {
        const lead = this.driver.status().lead;
        return lead === 0 ? undefined : lead;
      },
      lastHeardFrom: (id) => this.lastHeard.get(id),
    });
    this.grayGuard = new GrayGuard({
      kv: this,
      watch: this,
      registry: this.registry.view,
      isLeader: () => this.driver.status().role === 'leader',
      logger: logger.child({ component: 'gray-guard' }),
      tickMs: Math.max(100, 2 * options.heartbeatInterval),
    });
    this.admin = new MembershipAdmin(
      this.driver,
      this.proposals,
      this.forwardingPort(),
      this.list,
      {
        self: this.id,
        name: options.name,
        advertiseClientUrls: options.advertiseClientUrls,
        initialClusterToken: options.initialClusterToken,
        requestTimeoutMs,
        caughtUp: () => this.linearizableRead(),
      },
      logger,
    );
    this.maintenance = new Maintenance(this.driver, mvcc, db, { self: this.id, electionTimeoutMs: options.electionTimeout, dbDir, alarms: () => this.alarmList, serverVersion: ETCD_COMPATIBLE_VERSION });
    this.snapshots = new Snapshots(mvcc, logStore, staging, { snapshotCount: options.snapshotCount, catchUpEntries: options.snapshotCatchUpEntries }, logger);
    this.compactor = autoCompactor(
      parseCompactionRetention(options.autoCompactionMode, options.autoCompactionRetention),
      {
        revision: () => this.mvcc.revision,
        // The Compact request etcdctl sends, proposed like any other write.
        compact: async (revision) => {
          await this.write({ type: 'compaction', request: { revision, physical: false } });
        },
        now: () => performance.now(),
        logger,
      },
      options.autoCompactionRevisionCheckIntervalMs,
    );
  }

  /** Opens (or creates) the member's data, joins its cluster and starts serving. */
  static async start(partial: Partial<MemberOptions> = {}): Promise<Member> {
    const options: MemberOptions = { ...MEMBER_DEFAULTS, ...partial };
    validateOptions(options);
    const logger = options.logger ?? pino({ level: options.logLevel, base: { member: options.name } });
    // etcd's layout: everything of the member lives under <data-dir>/member. In memory, only a
    // snapshot received from a leader is staged on disk, in a temporary folder.
    const memberDir = options.inMemory ? await mkdtemp(join(tmpdir(), 'lodestone-')) : join(options.dataDir, 'member');
    await mkdir(memberDir, { recursive: true });
    const dbDir = options.inMemory ? undefined : join(memberDir, 'db');
    // etcd keeps auto TLS certificates in <data-dir>/fixtures; an in-memory member in its scratch folder.
    let tls: MemberTls;
    try {
      tls = await memberTls(options, options.inMemory ? memberDir : options.dataDir, logger);
    } catch (e) {
      if (options.inMemory) await rm(memberDir, { recursive: true, force: true });
      throw e;
    }
    const db = dbDir ? await openStoreDb(dbDir) : await openMemoryDb();
    try {
      const logStore = await RaftLogStore.open(db);
      const local = await LocalMeta.open(db);
      const identity = await establishIdentity(options, local, logStore, tls.dialPeers);
      const mvcc = await MvccStore.open(db, { limits: { maxRequestBytes: options.maxRequestBytes, maxTxnOps: options.maxTxnOps } });
      checkStateCoversLog(mvcc.appliedIndex, logStore.snapshot().meta.index);
      const staging = new SnapshotStaging(join(memberDir, 'snap'));
      await staging.clear();
      const member = new Member(options, logger, identity, db, logStore, mvcc, staging, dbDir, tls);
      if (options.inMemory) member.scratchDir = memberDir;
      await member.begin();
      return member;
    } catch (e) {
      await db.close().catch(() => undefined);
      if (options.inMemory) await rm(memberDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** What the console's routes (http/console/) ask of the member. */
  private consoleSource(): ConsoleSource {
    return {
      auth: this.auth,
      memberName: this.options.name,
      cluster: {
        memberId: this.id,
        members: () => this.memberList(),
        leader: () => this.driver.status().lead,
        alarms: () => this.alarmList,
        http: new MemberHttp(this.tls.dialClients),
      },
    };
  }

  private consulApiSource(): ConsulApiSource {
    return {
      registry: this.registry,
      auth: this.auth,
      memberName: this.options.name,
      servers: () => {
        const lead = this.driver.status().lead;
        const voters = this.list.members.filter((m) => !m.isLearner && m.peerUrls.length > 0);
        const address = (m: MemberRecord): string => hostPort(m.peerUrls[0]!);
        const leader = voters.find((m) => m.id === lead);
        return { leader: leader ? address(leader) : '', peers: voters.map(address) };
      },
      leaderContact: () => {
        const silence = this.driver.leaderSilenceMs();
        return { knownLeader: silence !== undefined, lastContactMs: silence ?? 0 };
      },
    };
  }

  private async begin(): Promise<void> {
    if (this.faults) {
      await this.faults.reload();
      this.logger.warn('fault injection is on (LODESTONE_FAULT_FILE): for tests only');
    }
    if (this.options.servePeers) await this.startTransport();
    if (this.options.serveClients) {
      const clientTls = this.tls.client;
      this.clientServer = new ClientServer({
        // etcd serves an http URL in plaintext even when certificates are given.
        listen: this.options.listenClientUrls.map((url) => (url.startsWith('https://') && clientTls ? { address: hostPort(url), tls: clientTls } : hostPort(url))),
        maxRequestBytes: this.options.maxRequestBytes,
        watchProgressNotifyIntervalMs: this.options.watchProgressNotifyIntervalMs,
        kv: this,
        cluster: this,
        lease: this.leases,
        watch: this,
        auth: this.auth,
        interceptors: [this.metrics.grpc.interceptor],
        // etcd serves /health, /version and /metrics on its client URLs too; Consul's registry
        // API is served under /v1/, the config center's under /lodestone/v1/config, the console under /ui/.
        httpHandlers: [memberHttpHandler(this), consulHttpHandler(this.consulApiSource()), configHttpHandler({ kv: this, auth: this.auth }), consoleHttpHandler(this.consoleSource())],
        // The console's own port serves the same, and / there leads to the console.
        httpOnly: {
          listen: this.options.listenConsoleUrls.map((url) => (url.startsWith('https://') && clientTls ? { address: hostPort(url), tls: clientTls } : hostPort(url))),
          handlers: [consoleRootRedirect],
        },
        logger: this.logger,
      });
      await this.clientServer.start();
    }
    if (this.options.listenMetricsUrls.length > 0) {
      this.metricsListener = await MetricsListener.listen({
        urls: this.options.listenMetricsUrls,
        tls: this.tls.client,
        handler: memberHttpHandler(this),
        logger: this.logger,
      });
    }
    // The registry's DNS interface answers from the view, which fills in once registry.start() has read it.
    this.dns = await MemberDns.start(this.options, this.registry.view, this.logger);
    this.zookeeper = await MemberZooKeeper.start(this.options, {
      kv: this,
      leases: this.leases,
      watch: this,
      isLeader: () => this.raftStatus().role === 'leader',
      logger: this.logger,
    });
    this.ticker = setInterval(() => this.tick(), this.options.heartbeatInterval);
    this.leases.start();
    await this.maintenance.start();
    this.registry.start().then(
      () => this.checks.start(),
      (err: unknown) => this.logger.warn({ err }, 'the service registry could not be read; DNS and the registry API answer from nothing until it is'),
    );
    this.compactor?.start();
    this.grayGuard.start();
    if (this.quotaBytes > MAX_SUGGESTED_QUOTA_BYTES && this.quotaBytes !== Infinity) {
      // etcd's warning: a bigger backend may be slow to snapshot and to recover.
      this.logger.warn({ quotaBytes: this.quotaBytes, maximumBytes: MAX_SUGGESTED_QUOTA_BYTES }, 'quota exceeds the maximum value');
    }
    this.logger.info(
      {
        memberId: this.id.toString(16),
        clusterId: this.clusterId.toString(16),
        client: this.options.listenClientUrls,
        peer: this.options.listenPeerUrls,
        console: this.options.serveClients ? [...this.options.advertiseClientUrls.map((u) => `${u}/ui/`), ...this.options.listenConsoleUrls] : [],
        ...(this.options.listenZookeeperUrls.length > 0 ? { zookeeper: this.options.listenZookeeperUrls } : {}),
      },
      'member started',
    );
    this.driver.kick();
  }

  private async startTransport(): Promise<void> {
    const listen = this.options.listenPeerUrls[0]!;
    const peerTls = this.tls.peer;
    this.transport = new PeerTransport({
      selfId: this.id,
      clusterId: String(this.clusterId),
      listen: hostPort(listen),
      ...(listen.startsWith('https://') && peerTls ? { listenTls: peerTls } : {}),
      dial: this.tls.dialPeers,
      // What a member joining the cluster asks for, to find the ID it was added under.
      membership: () => ({ clusterId: String(this.clusterId), members: this.memberList() }),
      isRemoved: (id) => this.removedIds.has(id),
      onRoundTrip: (peer, seconds) => this.metrics.peerRoundTrip(peer, seconds),
      logger: this.logger,
      handler: {
        onMessages: (msgs) => this.onPeerMessages(msgs),
        onSnapshot: (m, payload) => this.onIncomingSnapshot(m, payload),
        snapshotPayload: (m) => this.snapshots.outgoing(m),
        onUnreachable: (id) => this.driver.reportUnreachable(id),
        onSnapshotStatus: (id, ok) => this.driver.reportSnapshot(id, ok),
        // What a follower passed on for this member to carry out as the leader.
        onForward: (request) => (LEASE_FORWARDS.has(request.request) ? this.leases.serveForwarded(request) : this.admin.serveForwarded(request)),
        // etcd's members stop when a peer says they were removed: one that missed the entry
        // removing it (it was down, or had not caught up) would otherwise run on alone.
        onRemovedFromCluster: (by) => this.stopAsRemoved(`member ${by.toString(16)} says this member was removed from the cluster; stopping`),
      },
    });
    await this.transport.start();
    this.syncPeers();
  }

  /** The ports the member actually bound (useful with port 0). */
  get clientPorts(): readonly number[] {
    return this.clientServer?.ports ?? [];
  }

  /** The ports the console URLs bound (useful with port 0). */
  get consolePorts(): readonly number[] {
    return this.clientServer?.httpOnlyPorts ?? [];
  }

  /** The ports the DNS addresses bound, UDP and TCP alike (useful with port 0). */
  get zookeeperPorts(): readonly number[] {
    return this.zookeeper?.ports ?? [];
  }

  get dnsPorts(): readonly number[] {
    return this.dns?.ports ?? [];
  }

  get peerPort(): number {
    return this.transport?.port ?? 0;
  }

  /** The ports the metrics URLs bound (useful with port 0). */
  get metricsPorts(): readonly number[] {
    return this.metricsListener?.ports ?? [];
  }

  private requestTimeoutMs(): number {
    // etcd's: 5 s plus two election timeouts.
    return 5000 + 2 * this.options.electionTimeout;
  }

  // ------------------------------------------------------------------ the raft driver's hooks

  private driverHooks(): RaftDriverHooks {
    return {
      save: (rd) => this.save(rd),
      send: (msgs) => this.sendToPeers(msgs),
      installSnapshot: (snap) => this.installSnapshot(snap.meta.index, snap.meta.term),
      apply: (entries) => this.apply(entries),
      onSoftState: (soft, term) => this.onSoftState(soft, term),
      onReadStates: (states) => {
        for (const rs of states) this.reads.onReadState(rs.context, rs.index);
      },
      beforeReady: () => {
        this.proposals.flush();
        this.reads.flush();
      },
      onFatal: (e) => {
        this.logger.fatal({ err: e }, 'writing or applying raft state failed; stopping the member');
        void this.close();
      },
    };
  }

  private async save(rd: Ready): Promise<void> {
    const delay = this.faults?.faults.fsyncDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const started = performance.now();
    await this.logStore.save({
      sync: rd.mustSync,
      ...(rd.hardState ? { hardState: rd.hardState } : {}),
      entries: rd.entries,
      ...(rd.snapshot ? { snapshot: rd.snapshot } : {}),
    });
    const took = performance.now() - started;
    if (took > 100 && rd.mustSync) this.logger.warn({ ms: Math.round(took), entries: rd.entries.length }, 'slow fsync');
  }

  private async apply(entries: readonly Entry[]): Promise<void> {
    const delay = this.faults?.faults.applyDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    await applyEntries(this.id, this.driver, this.mvcc, this.list.members, this.auth.state, this.alarmList, entries, {
      // Its clients are answered as soon as the batch is readable (their entries are durable in the
      // raft log already); it reaches the disk with the next synced write, which is usually the next
      // raft-log save (store/db.ts), and never a later batch without it.
      sync: true,
      eventsWithPrevKv: this.watches.wantsPrevKv(),
      onVisible: (result) => this.onApplied(result),
    });
    // The log may forget what the state holds durably (the store tracks how far that is).
    void this.snapshots.maybeCompactLog().catch((e: unknown) => this.logger.warn({ err: e }, 'raft log compaction failed'));
  }

  /** A batch is in the state: answer its clients, tell its watchers, follow membership and leases. */
  private onApplied(result: ApplyResult): void {
    this.driver.markVisible(result.lastIndex);
    // Watchers hear of each revision once it is applied here.
    this.watches.notify(result.events, this.mvcc.revision);
    if (result.removed) this.removedIds = new Set(result.removed);
    if (result.members) this.onMembersApplied(result.members, result.lastIndex);
    if (result.confState) this.learner = result.confState.learners.includes(this.id);
    if (result.alarms) this.onAlarmsApplied(result.alarms);
    this.maintenance.noteGrowth(grownBy(result));
    this.leases.onApplied(result.leases);
    // Before anyone is answered: a login's token must be known here when its client gets it.
    this.auth.onApplied(result.logins, result.auth);
    for (const { seq, outcome } of result.authOutcomes) this.proposals.resolve(seq, { kind: 'auth', outcome });
    for (const { seq, outcome } of result.own) this.proposals.resolve(seq, { kind: 'write', outcome });
    for (const { seq, members } of result.membership) this.proposals.resolve(seq, { kind: 'members', members });
    for (const { seq, answer } of result.alarmOutcomes) this.proposals.resolve(seq, { kind: 'alarm', answer });
    // As etcd: a new leader starts the lease clocks once it has applied everything of the terms
    // before it — the empty entry it appended on election — so no renewal or checkpoint is missed.
    if (result.emptyEntryTerm !== undefined) {
      const st = this.driver.status();
      if (st.role === 'leader' && st.term === result.emptyEntryTerm) this.leases.promote();
    }
    if (result.confState && !result.confState.voters.includes(this.id) && !result.confState.learners.includes(this.id)) {
      this.stopAsRemoved('this member was removed from the cluster; stopping');
    }
  }

  private onAlarmsApplied(alarms: readonly AlarmInfo[]): void {
    const key = (a: AlarmInfo): string => `${a.memberId}/${a.alarm}`;
    const before = new Set(this.alarmList.map(key));
    const after = new Set(alarms.map(key));
    for (const a of alarms) if (!before.has(key(a))) this.logger.warn({ alarm: a.alarm, from: a.memberId.toString(16) }, 'alarm raised');
    for (const a of this.alarmList) if (!after.has(key(a))) this.logger.warn({ alarm: a.alarm, from: a.memberId.toString(16) }, 'alarm disarmed');
    this.alarmList = alarms;
  }

  private onMembersApplied(members: readonly MemberRecord[], index: number): void {
    const before = new Set(this.list.members.map((m) => m.id));
    const after = new Set(members.map((m) => m.id));
    const added = [...after].filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !after.has(id));
    if (added.length + removed.length > 0) {
      this.logger.info({ added: added.map((id) => id.toString(16)), removed: removed.map((id) => id.toString(16)), members: after.size, index }, 'membership changed');
    }
    this.list.members = members;
    this.syncPeers();
  }

  private async installSnapshot(index: number, term: number): Promise<void> {
    await this.snapshots.install(index, term);
    this.list.members = this.mvcc.meta(MEMBERS) ?? [];
    this.removedIds = new Set(this.mvcc.meta(REMOVED_MEMBERS) ?? []);
    this.alarmList = this.mvcc.meta(ALARMS) ?? [];
    this.learner = this.mvcc.confState.learners.includes(this.id);
    this.auth.restored();
    this.syncPeers();
    this.watches.restored();
  }

  private onSoftState(soft: SoftState, term: number): void {
    this.metrics.leaderSeen(soft.lead);
    this.logger.info({ leader: soft.lead.toString(16), role: soft.role, term }, soft.lead === 0 ? 'no leader' : 'leader changed');
    // A leader's lease clocks start once it has applied what came before it (see apply).
    if (soft.role !== 'leader') this.leases.demote();
    // As etcd: only the leader compacts; a member that comes to lead takes over.
    if (soft.role === 'leader') this.compactor?.resume();
    else this.compactor?.pause();
    if (soft.lead !== 0) {
      this.proposals.onLeader(term);
      this.admin.maybePublish();
    }
  }

  private tick(): void {
    this.driver.tick();
    this.proposals.tick();
    this.reads.tick();
    // A publish that failed (its proposal lost with a leader, say) is tried again, not left undone.
    this.admin.maybePublish();
  }

  // ------------------------------------------------------------------ peers

  private onPeerMessages(msgs: readonly Message[]): void {
    const dropFrom = this.faults?.faults.dropFrom;
    const kept = msgs.filter((m) => m.to === this.id && !dropFrom?.has(m.from));
    const now = performance.now();
    for (const m of kept) this.lastHeard.set(m.from, now);
    this.driver.step(kept);
  }

  /** Hands messages to the transport (less those an injected partition drops). */
  private sendToPeers(msgs: readonly Message[]): void {
    if (!this.transport) return;
    const dropTo = this.faults?.faults.dropTo;
    if (!dropTo || dropTo.size === 0) {
      this.transport.send(msgs);
      return;
    }
    const kept: Message[] = [];
    for (const m of msgs) {
      if (!dropTo.has(m.to)) kept.push(m);
      else if (m.type === 'snapshot') this.driver.reportSnapshot(m.to, false);
      else this.driver.reportUnreachable(m.to);
    }
    if (kept.length > 0) this.transport.send(kept);
  }

  /** Follower side of a snapshot: stage the payload on disk, then let raft see the message. */
  private async onIncomingSnapshot(m: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.faults?.faults.dropFrom.has(m.from)) throw new Error('snapshot dropped by an injected partition');
    await this.snapshots.receive(m, payload);
    this.driver.step([m]);
  }

  /** Makes the transport's peers the member list's (a removed member is dropped). */
  private syncPeers(): void {
    if (!this.transport) return;
    const wanted = new Set<NodeId>();
    for (const m of this.list.members.length > 0 ? this.list.members : this.list.joinedWith) {
      if (m.id === this.id || m.peerUrls.length === 0) continue;
      wanted.add(m.id);
      // Whole URLs: an https peer URL is dialed with TLS.
      this.transport.setPeer(m.id, m.peerUrls);
    }
    for (const id of this.transport.peerIds()) if (!wanted.has(id)) this.transport.removePeer(id);
  }

  /** How this member passes requests on to the leader: the peer transport's Forward call. */
  private forwardingPort(): ForwardingPort {
    return {
      self: this.id,
      leader: () => this.driver.status().lead,
      forward: (to, request, deadline) => (this.transport ? this.transport.forward(to, request, deadline) : Promise.reject(new PeerClosedError())),
    };
  }

  // ------------------------------------------------------------------ KvBackend, WatchBackend

  headerFields(): HeaderFields {
    return { clusterId: this.clusterId, memberId: this.id, raftTerm: this.driver.status().term };
  }

  /** As etcd: a learner serves serializable reads, and refuses what needs consensus. */
  private refuseOnLearner(): void {
    if (this.learner) throw new EtcdError('ETCD_NOT_SUPPORTED_FOR_LEARNER');
  }

  async range(req: st.RangeRequest, serializable: boolean, call?: CallOptions): Promise<st.RangeResponse> {
    if (!serializable) await this.linearizableRead(call);
    // etcd's doSerialize: the token, the permission, the read, then whether the auth store moved.
    return this.withFreshStamp(call, async (who) => {
      if (who && this.auth.state.enabled) this.auth.check((s) => checkRange(s, who, req));
      const r = await this.mvcc.range(req);
      this.auth.checkStillCurrent(who);
      return r;
    });
  }

  async readTxn(req: st.TxnRequest, serializable: boolean, call?: CallOptions): Promise<st.TxnResponse> {
    // The checks etcd makes of every txn, reads only or not (empty keys, too many operations).
    checkWriteRequest({ type: 'txn', request: req }, this.limits);
    if (!serializable) await this.linearizableRead(call);
    return this.withFreshStamp(call, async (who) => {
      if (who && this.auth.state.enabled) this.auth.check((s) => checkTxn(s, who, req));
      const r = await this.mvcc.readTxn(req);
      this.auth.checkStillCurrent(who);
      return r;
    });
  }

  /**
   * Runs a request as the user its call names, again with a fresh stamp when an auth change
   * overtook the one it had (AuthManager.isMemberStampRefused): nothing was read or written then.
   * A refusal is answered once this member has applied the change, so the fresh stamp is newer.
   */
  private async withFreshStamp<T>(call: CallOptions | undefined, run: (who: AuthInfo | undefined) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const who = call?.auth ? await this.auth.identify(call) : undefined;
      try {
        return await run(who);
      } catch (e) {
        if (attempt >= STALE_STAMP_ATTEMPTS || !this.auth.isMemberStampRefused(call, who, e)) throw e;
        if (this.auth.state.revision <= who.revision) throw e;
      }
    }
  }

  private linearizableRead(call?: CallOptions): Promise<void> {
    this.refuseOnLearner();
    const done = this.reads.read(call?.signal);
    this.driver.kick();
    return done;
  }

  /** Replicates a write and resolves with its own kind of response once this member applied it. */
  async write<R extends st.WriteRequest>(req: R, call?: CallOptions): Promise<st.ResponseFor<R>> {
    this.refuseOnLearner();
    // Fail fast on what every member would reject anyway.
    checkWriteRequest(req, this.limits);
    await this.checkQuota(req);
    // The user goes with the entry: its permissions are checked where it is applied.
    return this.withFreshStamp(call, async (who) => {
      const applied = await this.proposals.propose(req, call, who);
      if (applied.kind !== 'write') throw new Error('a write was answered as a membership request');
      const outcome = applied.outcome;
      if (outcome.status === 'failed') throw outcome.error;
      if (outcome.status === 'skipped') throw new Error('a fresh proposal was skipped as already applied');
      if (outcome.response.type !== req.type) throw new Error(`a ${req.type} was answered with a ${outcome.response.type}`);
      return outcome.response as st.ResponseFor<R>;
    });
  }

  /**
   * etcd's quota check, made where the request arrives: a put, a txn with puts or a lease grant that
   * would take the backend to its quota raises NOSPACE (through raft, for every member) and is
   * refused. Once raised, every member's apply refuses such writes until the alarm is disarmed.
   */
  private async checkQuota(req: st.WriteRequest): Promise<void> {
    const cost = quotaCost(req);
    // A txn without puts costs nothing and goes on, as etcd 3.4 lets it.
    if (cost === undefined || (cost === 0 && req.type === 'txn')) return;
    if (fitsQuota(this.maintenance.backendBytes, cost, this.quotaBytes)) return;
    // As etcd: the alarm's own outcome does not change the answer.
    await this.changeAlarm('activate', this.id, 'NOSPACE').catch((e: unknown) => this.logger.warn({ err: e }, 'raising the NOSPACE alarm failed'));
    throw new EtcdError('ETCD_NO_SPACE');
  }

  /** An auth change or login through raft, answered with how its apply decided it. */
  private async proposeAuth(op: AuthOp, who: AuthInfo | undefined, call?: CallOptions): Promise<AuthOutcome> {
    this.refuseOnLearner();
    const applied = await this.proposals.propose({ type: 'auth', op }, call, who);
    if (applied.kind !== 'auth') throw new Error(`an auth request was answered as a ${applied.kind} request`);
    return applied.outcome;
  }

  /** Waits for a login's entry to be applied here, for at most the request timeout. */
  private async waitAppliedBriefly(index: number, call?: CallOptions): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.requestTimeoutMs())));
    try {
      await Promise.race([this.driver.waitApplied(index, call?.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  watch(spec: WatchSpec, sink: WatchSink): Watcher {
    this.refuseOnLearner();
    return this.watches.watch(spec, sink);
  }

  currentRevision(): number {
    return this.mvcc.revision;
  }

  // ------------------------------------------------------------------ ClusterBackend

  memberList(): MemberInfo[] {
    return this.admin.memberList();
  }

  addMember(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    return this.admin.addMember(peerUrls, isLearner);
  }

  removeMember(id: NodeId): Promise<MemberInfo[]> {
    return this.admin.removeMember(id);
  }

  promoteMember(id: NodeId): Promise<MemberInfo[]> {
    return this.admin.promoteMember(id);
  }

  updateMember(id: NodeId, peerUrls: readonly string[]): Promise<MemberInfo[]> {
    return this.admin.updateMember(id, peerUrls);
  }

  status(): StatusInfo {
    return this.maintenance.status();
  }

  alarms(): readonly AlarmInfo[] {
    return this.alarmList;
  }

  async changeAlarm(action: 'activate' | 'deactivate', memberId: NodeId, alarm: AlarmType): Promise<readonly AlarmInfo[]> {
    this.refuseOnLearner();
    const applied = await this.proposals.propose({ type: 'alarm', action, memberId, alarm });
    if (applied.kind !== 'alarm') throw new Error(`an alarm request was answered as a ${applied.kind} request`);
    return applied.answer;
  }

  hashKV(revision: number): Promise<{ hash: number; compactRevision: number; revision: number }> {
    return this.maintenance.hashKV(revision);
  }

  hash(): Promise<{ hash: number; revision: number }> {
    return this.maintenance.hash();
  }

  backendSnapshot(): Promise<Uint8Array> {
    return this.maintenance.backendSnapshot();
  }

  moveLeader(target: NodeId): Promise<void> {
    return this.maintenance.moveLeader(target);
  }

  defragment(): Promise<void> {
    return this.maintenance.defragment();
  }

  /** Raft's view: who leads, in which term, and this member's role. */
  raftStatus(): RaftStatusView {
    const s = this.driver.status();
    return { leader: s.lead, term: s.term, role: s.role, applied: s.applied, commit: s.commit };
  }

  get uptimeMs(): number {
    return performance.now() - this.startedAt;
  }

  // ------------------------------------------------------------------ HTTP endpoints

  /** The Prometheus text of this member's metrics (and the process's). */
  exposition(): Promise<{ readonly contentType: string; readonly text: string }> {
    return this.metrics.exposition();
  }

  /** etcd's /health check; counted in the health metrics, as etcd counts it. */
  async health(serializable: boolean): Promise<Health> {
    const h = await checkHealth(
      {
        alarms: () => this.alarms(),
        leader: () => this.driver.status().lead,
        linearizableRead: (signal) => this.linearizableRead({ signal }),
      },
      serializable,
    );
    this.metrics.healthChecked(h.healthy);
    return h;
  }

  /** etcd's /version: the version this member answers as, and its cluster's (major.minor.0). */
  versions(): EtcdVersions {
    const [major, minor] = ETCD_COMPATIBLE_VERSION.split('.');
    return { etcdserver: ETCD_COMPATIBLE_VERSION, etcdcluster: `${major}.${minor}.0` };
  }

  // ------------------------------------------------------------------ shutdown

  /** A member removed from the cluster serves nobody: it stops, as etcd's do. */
  private stopAsRemoved(why: string): void {
    if (this.closing) return;
    this.logger.warn(why);
    void this.close();
  }

  /** Stops serving, fails what is pending, and closes the data. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    this.closed = (async () => {
      if (this.ticker) clearInterval(this.ticker);
      await this.metricsListener?.close();
      this.maintenance.stop();
      this.compactor?.stop();
      this.faults?.close();
      // Before the leases stop: the runner key's lease is revoked, so others take the checks now.
      await this.checks.close();
      this.grayGuard.close();
      this.leases.close();
      await this.dns?.close();
      await this.zookeeper?.close();
      this.registry.close();
      this.auth.close();
      this.watches.close();
      const stopped = new EtcdError('ETCD_STOPPED');
      this.proposals.stop(stopped);
      this.reads.failAll(stopped);
      // Reads waiting for an index to be applied fail too; the Ready and applies in flight finish
      // their writes before the database closes under them.
      const driverStopped = this.driver.stop(stopped);
      await this.clientServer?.close();
      await this.transport?.close();
      await driverStopped;
      await this.mvcc.close();
      await this.db.close();
      if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
      this.logger.info('member stopped');
    })();
    return this.closed;
  }
}

/** The key and value bytes a batch's puts added to the state (what the quota counts until the next measurement). */
function grownBy(result: ApplyResult): number {
  let bytes = 0;
  for (const ev of result.events) if (ev.type === 'put') bytes += ev.kv.key.length + ev.kv.value.length;
  return bytes;
}
