// A Lodestone member: raft consensus, the LevelDB log and state, the peer transport and the etcd API,
// wired together. A Node program creates one with Member.start(options) and ends it with close();
// the command line and the local-cluster script are thin wrappers around this class.
//
// The write path: a client request is encoded as a proposal and handed to raft (a follower's raft
// forwards it to the leader). Each Ready is persisted in one synced LevelDB batch, then its messages
// are sent, then its committed entries are applied to the MVCC store in one batch together with the
// applied index, and the waiting client gets the result of its own proposal.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import pino, { type Logger } from 'pino';
import {
  canSendBeforePersist,
  ProposalDroppedError,
  RaftError,
  RawNode,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
  type SnapshotMessage,
} from '../raft/index.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import type { HeaderFields } from '../rpc/kv-convert.js';
import { PeerTransport } from '../rpc/peer-transport.js';
import { ClientServer } from '../rpc/client-server.js';
import type { ClusterBackend, MemberInfo, StatusInfo } from '../rpc/member-backend.js';
import type { WatchBackend, WatchSink, WatchSpec, Watcher } from '../rpc/watch-backend.js';
import { WatchHub } from '../store/watch/watch-hub.js';
import { openStoreDb, type StoreDb } from '../store/db.js';
import { openMemoryDb } from '../store/memory-db.js';
import { LocalMeta } from '../store/local-meta.js';
import { MvccStore, type ApplyOutcome } from '../store/mvcc/mvcc-store.js';
import type * as st from '../store/mvcc/types.js';
import { checkWriteRequest, requestLimits, type RequestLimits } from '../store/mvcc/validate.js';
import { RaftLogStore } from '../store/raft-log-store.js';
import { applyEntries } from './applier.js';
import { establishIdentity, type Identity } from './bootstrap.js';
import { dirSize } from './dir-size.js';
import { FaultInjector } from './fault-injection.js';
import { LeaseManager } from './lease-manager.js';
import { LinearizableReads } from './linearizable-reads.js';
import { checkUrl, hostPort, MEMBER_DEFAULTS, validateOptions, type MemberOptions } from './member-options.js';
import { encodeMemberContext, MEMBERS, REMOVED_MEMBERS, type MemberRecord } from './membership.js';
import { memberIdFor } from './identity.js';
import { callUnary, LeaderClients } from './leader-clients.js';
import { encodeProposal, type MemberRequest } from './proposal-codec.js';
import { SnapshotStaging } from './snapshot-staging.js';
import { Waiters } from './waiters.js';

/** A proposal refused locally because no leader is known yet; it is retried when one is. */
interface Stalled {
  readonly data: Uint8Array;
  readonly seq: number;
  readonly since: number;
}

export class Member implements KvBackend, ClusterBackend, WatchBackend {
  readonly options: MemberOptions;
  readonly logger: Logger;
  readonly id: NodeId;
  readonly clusterId: number;

  private readonly node: RawNode;
  private members: readonly MemberRecord[];
  /** Members removed from the cluster: the peer transport refuses them saying so. */
  private removedIds: ReadonlySet<NodeId>;
  private readonly writes: Waiters<ApplyOutcome>;
  /** Membership requests of this member's clients, answered with the member list once applied. */
  private readonly memberChanges: Waiters<readonly MemberRecord[]>;
  /** A joining member's peers until its own log names the members. */
  private readonly joinedWith: readonly MemberRecord[];
  private readonly leaderClients: LeaderClients;
  private readonly reads: LinearizableReads;
  private readonly appliedWaiters: { index: number; resolve: () => void }[] = [];
  private appliedIndex: number;
  private readonly seqBase = Date.now() * 1024;
  private seq = 0;
  private queued: { data: Uint8Array; seq: number }[] = [];
  private stalled: Stalled[] = [];
  /** The term each proposal in flight was handed to raft in (see failProposalsOfEarlierTerms). */
  private readonly proposedInTerm = new Map<number, number>();
  private ticker: NodeJS.Timeout | undefined;
  private readyRunning = false;
  private readyAgain = false;
  private kickScheduled = false;
  private closing = false;
  private published = false;
  private leading = false;
  private readonly startedAt = Date.now();
  private readonly limits: RequestLimits;
  /** Bytes of the LevelDB files, refreshed in the background for Status. */
  private dbSize = 0;
  private dbSizeTimer: NodeJS.Timeout | undefined;

  private constructor(
    options: MemberOptions,
    logger: Logger,
    identity: Identity,
    private readonly db: StoreDb,
    private readonly logStore: RaftLogStore,
    private readonly mvcc: MvccStore,
    private readonly staging: SnapshotStaging,
  ) {
    this.options = options;
    this.logger = logger;
    this.id = identity.memberId;
    this.clusterId = identity.clusterId;
    this.members = mvcc.meta(MEMBERS) ?? [];
    this.removedIds = new Set(mvcc.meta(REMOVED_MEMBERS) ?? []);
    this.joinedWith = identity.joinedWith;
    this.appliedIndex = mvcc.appliedIndex;
    const electionTick = Math.max(2, Math.round(options.electionTimeout / options.heartbeatInterval));
    this.node = new RawNode({
      id: this.id,
      storage: logStore,
      random: { int: (n) => randomInt(n) },
      // Restart from the log's snapshot: committed entries after it are handed out again, so raft
      // re-learns configuration changes; the store skips what it had already applied.
      applied: logStore.snapshot().meta.index,
      electionTick,
      heartbeatTick: 1,
      checkQuorum: true,
      preVote: true,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      maxUncommittedEntriesSize: 1 << 30,
    });
    this.limits = requestLimits({ maxRequestBytes: options.maxRequestBytes, maxTxnOps: options.maxTxnOps });
    this.watches = new WatchHub(mvcc);
    this.leases = new LeaseManager(
      {
        write: (req) => this.write(req),
        isLeader: () => this.node.raft.role === 'leader',
        leaderClientAddress: () => this.leaderClientAddress(),
        lease: (id) => this.mvcc.lease(id),
        leases: () => this.mvcc.leases(),
        leaseKeys: (id) => this.mvcc.leaseKeys(id),
        revision: () => this.mvcc.revision,
        now: () => Date.now(),
      },
      {
        // etcd's minimum TTL: one and a half election timeouts, in whole seconds.
        minTtl: Math.ceil((1.5 * options.electionTimeout) / 1000),
        electionTimeoutMs: options.electionTimeout,
        checkpointIntervalMs: 1000,
        logger,
      },
    );
    this.writes = new Waiters(this.requestTimeoutMs());
    this.memberChanges = new Waiters(this.requestTimeoutMs());
    this.leaderClients = new LeaderClients(() => this.leaderClientAddress());
    this.reads = new LinearizableReads(
      {
        readIndex: (ctx) => this.node.readIndex(ctx),
        waitApplied: (index) => this.waitApplied(index),
        now: () => Date.now(),
      },
      `r${this.id.toString(16)}-${this.seqBase}`,
      Math.max(500, options.electionTimeout / 2),
      this.requestTimeoutMs(),
    );
  }

  private transport: PeerTransport | undefined;
  /** Leases: grants and revokes through raft, expiry and keepalives on the leader. */
  readonly leases: LeaseManager;
  /** Every watcher on this member, fed from the state it applies. */
  private readonly watches: WatchHub;
  /** Test-only partitions and disk delays, when LODESTONE_FAULT_FILE names a fault file. */
  private readonly faults = FaultInjector.fromEnvironment();
  private clientServer: ClientServer | undefined;

  /** Opens (or creates) the member's data, joins its cluster and starts serving. */
  static async start(partial: Partial<MemberOptions> = {}): Promise<Member> {
    const options: MemberOptions = { ...MEMBER_DEFAULTS, ...partial };
    validateOptions(options);
    const logger = options.logger ?? pino({ level: options.logLevel, base: { member: options.name } });
    // etcd's layout: everything of the member lives under <data-dir>/member. In memory, only a
    // snapshot received from a leader is staged on disk, in a temporary folder.
    const memberDir = options.inMemory ? await mkdtemp(join(tmpdir(), 'lodestone-')) : join(options.dataDir, 'member');
    await mkdir(memberDir, { recursive: true });
    const db = options.inMemory ? await openMemoryDb() : await openStoreDb(join(memberDir, 'db'));
    try {
      const logStore = await RaftLogStore.open(db);
      const local = await LocalMeta.open(db);
      const identity = await establishIdentity(options, local, logStore);
      const mvcc = await MvccStore.open(db, { limits: { maxRequestBytes: options.maxRequestBytes, maxTxnOps: options.maxTxnOps } });
      const staging = new SnapshotStaging(join(memberDir, 'snap'));
      await staging.clear();
      const member = new Member(options, logger, identity, db, logStore, mvcc, staging);
      if (options.inMemory) member.scratchDir = memberDir;
      await member.begin();
      return member;
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
  }

  private async begin(): Promise<void> {
    if (this.faults) {
      await this.faults.reload();
      this.logger.warn('fault injection is on (LODESTONE_FAULT_FILE): for tests only');
    }
    if (this.options.servePeers) await this.startTransport();
    if (this.options.serveClients) {
      this.clientServer = new ClientServer({
        listen: this.options.listenClientUrls.map(hostPort),
        maxRequestBytes: this.options.maxRequestBytes,
        watchProgressNotifyIntervalMs: this.options.watchProgressNotifyIntervalMs,
        kv: this,
        cluster: this,
        lease: this.leases,
        watch: this,
        logger: this.logger,
      });
      await this.clientServer.start();
    }
    this.ticker = setInterval(() => this.tick(), this.options.heartbeatInterval);
    this.leases.start();
    const dbDir = join(this.options.dataDir, 'member', 'db');
    this.dbSize = await dirSize(dbDir);
    this.dbSizeTimer = setInterval(() => {
      dirSize(dbDir).then((n) => (this.dbSize = n), () => undefined);
    }, 2000);
    this.dbSizeTimer.unref();
    this.logger.info(
      { memberId: this.id.toString(16), clusterId: this.clusterId.toString(16), client: this.options.listenClientUrls, peer: this.options.listenPeerUrls },
      'member started',
    );
    this.kick();
  }

  private async startTransport(): Promise<void> {
    this.transport = new PeerTransport({
      selfId: this.id,
      clusterId: String(this.clusterId),
      listen: hostPort(this.options.listenPeerUrls[0]!),
      // What a member joining the cluster asks for, to find the ID it was added under.
      membership: () => ({ clusterId: String(this.clusterId), members: this.memberList() }),
      isRemoved: (id) => this.removedIds.has(id),
      logger: this.logger,
      handler: {
        onMessages: (msgs) => this.onPeerMessages(msgs),
        onSnapshot: (m, payload) => this.onIncomingSnapshot(m, payload),
        snapshotPayload: (m) => this.outgoingSnapshot(m),
        onUnreachable: (id) => {
          this.node.reportUnreachable(id);
          this.kick();
        },
        onSnapshotStatus: (id, ok) => {
          this.node.reportSnapshot(id, ok);
          this.kick();
        },
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

  get peerPort(): number {
    return this.transport?.port ?? 0;
  }

  // ------------------------------------------------------------------ raft driving

  private requestTimeoutMs(): number {
    // etcd's: 5 s plus two election timeouts.
    return 5000 + 2 * this.options.electionTimeout;
  }

  private tick(): void {
    // A cluster of one need not wait out an election timeout: nobody else could lead it.
    const r = this.node.raft;
    if (r.lead === 0 && r.trk.voters.length === 1 && r.trk.voters[0] === this.id) this.node.campaign();
    this.node.tick();
    // A publish that failed (its proposal lost with a leader, say) is tried again, not left undone.
    if (!this.published && this.node.raft.lead !== 0) this.maybePublish();
    this.retryStalled();
    this.reads.tick();
    this.kick();
  }

  private onPeerMessages(msgs: readonly Message[]): void {
    const dropFrom = this.faults?.faults.dropFrom;
    for (const m of msgs) {
      if (m.to !== this.id || dropFrom?.has(m.from)) continue;
      this.node.step(m);
    }
    this.kick();
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
      else if (m.type === 'snapshot') this.node.reportSnapshot(m.to, false);
      else this.node.reportUnreachable(m.to);
    }
    if (kept.length > 0) this.transport.send(kept);
  }

  /** Schedules Ready handling once the current burst of inputs has been taken in (group commit). */
  private kick(): void {
    if (this.kickScheduled || this.closing) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.flushProposals();
      this.reads.flush();
      // Appends (and forwarded proposals) leave now, even while a Ready is still being written.
      const early = this.node.takeMessagesBeforePersist();
      if (early.length > 0) this.sendToPeers(early);
      void this.runReady();
    });
  }

  private async runReady(): Promise<void> {
    if (this.readyRunning) {
      this.readyAgain = true;
      return;
    }
    this.readyRunning = true;
    try {
      do {
        this.readyAgain = false;
        while (!this.closing && this.node.hasReady()) await this.handleReady(this.node.ready());
      } while (this.readyAgain && !this.closing);
    } catch (e) {
      this.logger.fatal({ err: e }, 'handling a raft Ready failed; stopping the member');
      void this.close();
    } finally {
      this.readyRunning = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) this.onSoftState(rd.softState.lead, rd.softState.role);
    // An incoming snapshot: install the state first, so the log never claims more than the state holds.
    if (rd.snapshot) await this.installSnapshot(rd.snapshot.meta.index, rd.snapshot.meta.term);
    // A leader's appends go out now, so followers write their logs while it writes its own.
    const late: Message[] = [];
    const early: Message[] = [];
    for (const m of rd.messages) (canSendBeforePersist(m) ? early : late).push(m);
    if (early.length > 0) this.sendToPeers(early);
    const delay = this.faults?.faults.fsyncDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const started = performance.now();
    const saved = this.logStore.save({
      sync: rd.mustSync,
      ...(rd.hardState ? { hardState: rd.hardState } : {}),
      entries: rd.entries,
      ...(rd.snapshot ? { snapshot: rd.snapshot } : {}),
    });
    if (rd.mustSync || rd.entries.length > 0 || rd.snapshot) {
      await saved;
      const took = performance.now() - started;
      if (took > 100) this.logger.warn({ ms: Math.round(took), entries: rd.entries.length }, 'slow fsync');
    } else {
      // Only the commit index moved: nothing may wait for that write (raft relearns a lost commit
      // index), and the log store's lock keeps it in order before the next one.
      saved.catch((e: unknown) => {
        this.logger.fatal({ err: e }, 'writing the raft log failed; stopping the member');
        void this.close();
      });
    }
    // Durable: the rest of the messages may leave now.
    if (late.length > 0) this.sendToPeers(late);
    // Apply in the background, in order, while the next Ready is persisted: the store serializes
    // its batches, and configuration changes reach raft synchronously inside applyEntries.
    if (rd.committedEntries.length > 0) {
      const entries = rd.committedEntries;
      this.applying = this.applying.then(() => this.apply(entries));
      this.applying.catch((e: unknown) => {
        this.logger.fatal({ err: e }, 'applying committed entries failed; stopping the member');
        void this.close();
      });
    }
    for (const rs of rd.readStates) this.reads.onReadState(rs.context, rs.index);
    this.node.advance();
    await this.maybeCompactLog();
  }

  /** The chain of apply batches in flight; each starts when the one before it is done. */
  private applying: Promise<void> = Promise.resolve();

  private async apply(entries: readonly Entry[]): Promise<void> {
    if (this.closing) return;
    const result = await applyEntries(this.id, this.node, this.mvcc, this.members, entries, {
      // The raft log is synced; LevelDB's shared write-ahead log makes these durable with its next sync.
      sync: false,
      eventsWithPrevKv: this.watches.wantsPrevKv(),
    });
    // Watchers hear of each revision once it is applied here.
    this.watches.notify(result.events, this.mvcc.revision);
    if (result.removed) this.removedIds = new Set(result.removed);
    if (result.members) {
      const before = new Set(this.members.map((m) => m.id));
      const after = new Set(result.members.map((m) => m.id));
      const added = [...after].filter((id) => !before.has(id));
      const removed = [...before].filter((id) => !after.has(id));
      if (added.length + removed.length > 0) {
        this.logger.info({ added: added.map((id) => id.toString(16)), removed: removed.map((id) => id.toString(16)), members: after.size, index: result.lastIndex }, 'membership changed');
      }
      this.members = result.members;
      this.syncPeers();
    }
    this.leases.onApplied(result.leases);
    for (const { seq, outcome } of result.own) {
      this.writes.resolve(seq, outcome);
      this.proposedInTerm.delete(seq);
    }
    for (const { seq, members } of result.membership) this.memberChanges.resolve(seq, members);
    this.setApplied(result.lastIndex);
    if (result.confState && !result.confState.voters.includes(this.id) && !result.confState.learners.includes(this.id)) {
      this.stopAsRemoved('this member was removed from the cluster; stopping');
    }
  }

  private onSoftState(lead: NodeId, role: string): void {
    this.logger.info({ leader: lead.toString(16), role, term: this.node.raft.term }, lead === 0 ? 'no leader' : 'leader changed');
    if (lead !== 0) this.failProposalsOfEarlierTerms(this.node.raft.term);
    const leading = role === 'leader';
    if (leading !== this.leading) {
      this.leading = leading;
      this.leases.onLeadershipChange(leading);
    }
    if (lead !== 0) {
      this.retryStalled();
      this.maybePublish();
    }
  }

  /** Publishes this member's name and client URLs once a leader exists, as etcd's members do. */
  private maybePublish(): void {
    if (this.published) return;
    const me = this.members.find((m) => m.id === this.id);
    const urls = [...this.options.advertiseClientUrls];
    if (me && me.name === this.options.name && me.clientUrls.join(',') === urls.join(',')) {
      this.published = true;
      return;
    }
    this.published = true;
    this.proposeMembership({ type: 'publish', name: this.options.name, clientUrls: urls }).catch((e: unknown) => {
      this.published = false;
      this.logger.warn({ err: e }, 'publishing member attributes failed; will retry');
    });
  }

  private setApplied(index: number): void {
    if (index <= this.appliedIndex) return;
    this.appliedIndex = index;
    let keep = 0;
    for (const w of this.appliedWaiters) {
      if (w.index <= index) w.resolve();
      else this.appliedWaiters[keep++] = w;
    }
    this.appliedWaiters.length = keep;
  }

  private waitApplied(index: number): Promise<void> {
    if (index <= this.appliedIndex) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  // ------------------------------------------------------------------ proposals

  private propose(request: st.WriteRequest): Promise<ApplyOutcome> {
    return this.enqueue(request, this.writes);
  }

  /** A member's own request (publish, update): answered with the member list once applied. */
  private proposeMembership(request: MemberRequest): Promise<readonly MemberRecord[]> {
    return this.enqueue(request, this.memberChanges);
  }

  private enqueue<T>(request: MemberRequest, waiters: Waiters<T>): Promise<T> {
    if (this.closing) return Promise.reject(new EtcdError('ETCD_STOPPED'));
    const seq = this.nextSeq();
    const data = encodeProposal({ proposer: this.id, seq, request });
    if (data.length > this.options.maxRequestBytes) return Promise.reject(new EtcdError('ETCD_REQUEST_TOO_LARGE'));
    const done = waiters.wait(seq);
    this.queued.push({ data, seq });
    this.kick();
    return done;
  }

  private nextSeq(): number {
    return this.seqBase + ++this.seq;
  }

  /** Hands every proposal queued since the last Ready to raft in one call (one append). */
  private flushProposals(): void {
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    try {
      this.node.propose(batch.map((p) => p.data));
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      const now = Date.now();
      for (const p of batch) this.stalled.push({ ...p, since: now });
      return;
    }
    const term = this.node.raft.term;
    for (const p of batch) this.proposedInTerm.set(p.seq, term);
  }

  /**
   * A new leader was elected: a proposal handed to an earlier leader that is still not applied an
   * election timeout later was most likely lost with it. Its client hears so now, with etcd's
   * "possibly due to previous leader failure" (the outcome is unknown), instead of at the request
   * timeout several seconds later.
   */
  private failProposalsOfEarlierTerms(term: number): void {
    const earlier: number[] = [];
    for (const [seq, t] of this.proposedInTerm) {
      if (!this.writes.has(seq) && !this.memberChanges.has(seq)) this.proposedInTerm.delete(seq);
      else if (t < term) earlier.push(seq);
    }
    if (earlier.length === 0) return;
    setTimeout(() => {
      for (const seq of earlier) {
        this.proposedInTerm.delete(seq);
        const error = new EtcdError('ETCD_TIMEOUT_DUE_TO_LEADER_FAIL');
        this.writes.reject(seq, error);
        this.memberChanges.reject(seq, error);
      }
    }, this.options.electionTimeout).unref();
  }

  /** Proposes again what was refused for want of a leader; gives up after two election timeouts. */
  private retryStalled(): void {
    if (this.stalled.length === 0) return;
    const now = Date.now();
    const giveUp = 2 * this.options.electionTimeout;
    const keep: Stalled[] = [];
    for (const s of this.stalled) {
      const waiters = this.writes.has(s.seq) ? this.writes : this.memberChanges.has(s.seq) ? this.memberChanges : undefined;
      if (!waiters) continue;
      if (now - s.since >= giveUp) waiters.reject(s.seq, new EtcdError('ETCD_NO_LEADER'));
      else keep.push(s);
    }
    this.stalled = [];
    if (keep.length === 0) return;
    try {
      this.node.propose(keep.map((s) => s.data));
      for (const s of keep) this.proposedInTerm.set(s.seq, this.node.raft.term);
      this.kick();
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      this.stalled = keep;
    }
  }

  // ------------------------------------------------------------------ snapshots

  /** Leader side: the store's state to ship with a raft snapshot message (as of now, ≥ its index). */
  private async *outgoingSnapshot(m: SnapshotMessage): AsyncIterable<Uint8Array> {
    const snap = await this.mvcc.snapshot();
    this.logger.info({ to: m.to.toString(16), index: m.snapshot.meta.index, applied: snap.appliedIndex }, 'sending snapshot');
    yield* snap;
  }

  /** Follower side: stage the payload on disk, then let raft see the message. */
  private async onIncomingSnapshot(m: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.faults?.faults.dropFrom.has(m.from)) throw new Error('snapshot dropped by an injected partition');
    await this.staging.receive(m.snapshot.meta.index, m.snapshot.meta.term, payload);
    this.logger.info({ from: m.from.toString(16), index: m.snapshot.meta.index }, 'received snapshot');
    this.node.step(m);
    this.kick();
  }

  private async installSnapshot(index: number, term: number): Promise<void> {
    const installed = await this.mvcc.installSnapshot(this.staging.read(index, term));
    await this.staging.clear();
    this.members = this.mvcc.meta(MEMBERS) ?? [];
    this.removedIds = new Set(this.mvcc.meta(REMOVED_MEMBERS) ?? []);
    this.syncPeers();
    this.watches.restored();
    this.setApplied(installed.appliedIndex);
    this.logger.info({ index, applied: installed.appliedIndex, revision: installed.revision }, 'installed snapshot');
  }

  /** Every snapshotCount applied entries: snapshot the log and drop all but the catch-up tail. */
  private async maybeCompactLog(): Promise<void> {
    const snapIndex = this.logStore.snapshot().meta.index;
    // What the store has applied, not merely what raft handed out for applying.
    const applied = this.appliedIndex;
    if (applied - snapIndex < this.options.snapshotCount) return;
    // The log store's writes are synced, and share LevelDB's write-ahead log with the state's, so
    // the state applied so far is durable before the log forgets the entries behind it.
    await this.logStore.createSnapshot(applied, this.mvcc.confState, new Uint8Array());
    const compactTo = applied - this.options.snapshotCatchUpEntries;
    if (compactTo > this.logStore.firstIndex()) await this.logStore.compact(compactTo);
    this.logger.info({ index: applied, compactedTo: compactTo }, 'raft log snapshot');
  }

  // ------------------------------------------------------------------ peers

  /** Makes the transport's peers the member list's (a removed member is dropped). */
  private syncPeers(): void {
    if (!this.transport) return;
    const wanted = new Set<NodeId>();
    for (const m of this.members.length > 0 ? this.members : this.joinedWith) {
      if (m.id === this.id || m.peerUrls.length === 0) continue;
      wanted.add(m.id);
      this.transport.setPeer(m.id, m.peerUrls.map(hostPort));
    }
    for (const id of this.transport.peerIds()) if (!wanted.has(id)) this.transport.removePeer(id);
  }

  // ------------------------------------------------------------------ KvBackend

  headerFields(): HeaderFields {
    return { clusterId: this.clusterId, memberId: this.id, raftTerm: this.node.raft.term };
  }

  async range(req: st.RangeRequest, serializable: boolean): Promise<st.RangeResponse> {
    if (!serializable) await this.linearizableRead();
    return this.mvcc.range(req);
  }

  async readTxn(req: st.TxnRequest, serializable: boolean): Promise<st.TxnResponse> {
    // The checks etcd makes of every txn, reads only or not (empty keys, too many operations).
    checkWriteRequest({ type: 'txn', request: req }, this.limits);
    if (!serializable) await this.linearizableRead();
    return this.mvcc.readTxn(req);
  }

  private linearizableRead(): Promise<void> {
    const done = this.reads.read();
    this.kick();
    return done;
  }

  async write(req: st.WriteRequest): Promise<st.WriteResponse> {
    // Fail fast on what every member would reject anyway.
    checkWriteRequest(req, this.limits);
    const outcome = await this.propose(req);
    if (outcome.status === 'failed') throw outcome.error;
    if (outcome.status === 'skipped') throw new Error('a fresh proposal was skipped as already applied');
    return outcome.response;
  }

  // ------------------------------------------------------------------ WatchBackend

  watch(spec: WatchSpec, sink: WatchSink): Watcher {
    return this.watches.watch(spec, sink);
  }

  currentRevision(): number {
    return this.mvcc.revision;
  }

  // ------------------------------------------------------------------ ClusterBackend

  private leaderClientAddress(): string | undefined {
    const lead = this.node.raft.lead;
    const url = this.members.find((m) => m.id === lead)?.clientUrls[0];
    return lead === 0 || !url ? undefined : hostPort(url);
  }

  private isLeader(): boolean {
    return this.node.raft.role === 'leader';
  }

  async addMember(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    if (!this.isLeader()) {
      const res = await callUnary(this.leaderClients.get('Cluster').MemberAdd.bind(this.leaderClients.get('Cluster')), { peerURLs: [...peerUrls], isLearner }, this.requestTimeoutMs());
      return { member: fromPbMember(res.member!), members: res.members.map(fromPbMember) };
    }
    if (peerUrls.length === 0) throw new EtcdError('ETCD_MEMBER_BAD_URLS');
    for (const u of peerUrls) {
      try {
        checkUrl(u, 'peerURLs');
      } catch {
        throw new EtcdError('ETCD_MEMBER_BAD_URLS');
      }
    }
    if (this.members.some((m) => m.peerUrls.some((u) => peerUrls.includes(u)))) throw new EtcdError('ETCD_PEER_URL_EXIST');
    // etcd allows one learner at a time.
    if (isLearner && this.node.raft.trk.learners.length >= 1) throw new EtcdError('ETCD_TOO_MANY_LEARNERS');
    // As etcd: the peer URLs and the time, hashed — so a member re-added on the same URLs is a new member.
    const id = memberIdFor(peerUrls, this.options.initialClusterToken, String(Date.now()));
    const record: MemberRecord = { id, name: '', peerUrls: [...peerUrls], clientUrls: [], isLearner };
    const members = await this.proposeConfChange({ type: isLearner ? 'addLearner' : 'addVoter', nodeId: id }, record);
    return { member: { ...record, isLearner }, members: this.toInfos(members) };
  }

  async removeMember(id: NodeId): Promise<MemberInfo[]> {
    if (!this.isLeader()) {
      const c = this.leaderClients.get('Cluster');
      return (await callUnary(c.MemberRemove.bind(c), { ID: String(id) }, this.requestTimeoutMs())).members.map(fromPbMember);
    }
    const record = this.members.find((m) => m.id === id);
    if (!record) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    return this.toInfos(await this.proposeConfChange({ type: 'removeNode', nodeId: id }, record));
  }

  async promoteMember(id: NodeId): Promise<MemberInfo[]> {
    if (!this.isLeader()) {
      const c = this.leaderClients.get('Cluster');
      return (await callUnary(c.MemberPromote.bind(c), { ID: String(id) }, this.requestTimeoutMs())).members.map(fromPbMember);
    }
    const record = this.members.find((m) => m.id === id);
    if (!record) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    if (!this.node.raft.trk.isLearner(id)) throw new EtcdError('ETCD_MEMBER_NOT_LEARNER');
    // As etcd: only a learner that holds at least 90% of the leader's log may vote.
    const st = this.node.status();
    const match = st.progress.get(id)?.match ?? 0;
    if (match < 0.9 * st.lastIndex) throw new EtcdError('ETCD_LEARNER_NOT_READY');
    return this.toInfos(await this.proposeConfChange({ type: 'addVoter', nodeId: id }, record));
  }

  async updateMember(id: NodeId, peerUrls: readonly string[]): Promise<MemberInfo[]> {
    if (!this.members.some((m) => m.id === id)) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    if (this.members.some((m) => m.id !== id && m.peerUrls.some((u) => peerUrls.includes(u)))) throw new EtcdError('ETCD_PEER_URL_EXIST');
    return this.toInfos(await this.proposeMembership({ type: 'updateMember', id, peerUrls: [...peerUrls] }));
  }

  /** Proposes a configuration change on the leader and waits until this member has applied it. */
  private proposeConfChange(change: { type: 'addVoter' | 'addLearner' | 'removeNode'; nodeId: NodeId }, record: MemberRecord): Promise<readonly MemberRecord[]> {
    const seq = this.nextSeq();
    const done = this.memberChanges.wait(seq);
    try {
      this.node.proposeConfChange({ ...change, context: encodeMemberContext(record, { proposer: this.id, seq }) });
    } catch (e) {
      // Another change is still being applied, or this leader has not committed in its term yet.
      this.memberChanges.reject(seq, e instanceof RaftError ? new EtcdError('ETCD_UNHEALTHY', { cause: e }) : e);
      return done;
    }
    this.kick();
    return done;
  }

  async hashKV(revision: number): Promise<{ hash: number; compactRevision: number; revision: number }> {
    const r = await this.mvcc.hashKV(revision);
    return { hash: r.hash, compactRevision: r.compactRevision, revision: r.revision };
  }

  async moveLeader(target: NodeId): Promise<void> {
    if (!this.isLeader()) throw new EtcdError('ETCD_NOT_LEADER');
    if (target === this.id) return;
    if (!this.node.raft.trk.isVoter(target)) throw new EtcdError('ETCD_BAD_LEADER_TRANSFEREE');
    this.node.transferLeader(target);
    this.kick();
    // The transfer is abandoned after an election timeout if the target does not take over.
    const deadline = Date.now() + 2 * this.options.electionTimeout;
    while (this.node.raft.lead !== target) {
      if (Date.now() > deadline || this.closing) throw new EtcdError('ETCD_TIMEOUT');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async defragment(): Promise<void> {
    // LevelDB reclaims space by compacting its files; ask it to compact all of them now.
    const db = this.db as unknown as { compactRange?: (start: Uint8Array, end: Uint8Array) => Promise<void> };
    if (db.compactRange) await db.compactRange(new Uint8Array([0]), new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  }

  private toInfos(members: readonly MemberRecord[]): MemberInfo[] {
    const trk = this.node.raft.trk;
    return members.map((m) => ({ ...m, isLearner: trk.isLearner(m.id) }));
  }

  memberList(): MemberInfo[] {
    // A member that joined and has not yet applied its log knows the cluster it was told of, as
    // etcd's does; never an empty list.
    if (this.members.length === 0) return this.joinedWith.map((m) => ({ ...m }));
    const conf = this.node.raft.trk;
    return this.members.map((m) => ({ ...m, isLearner: conf.isLearner(m.id) }));
  }

  status(): StatusInfo {
    return {
      leader: this.node.raft.lead,
      raftIndex: this.node.raft.log.lastIndex(),
      raftTerm: this.node.raft.term,
      raftAppliedIndex: this.appliedIndex,
      revision: this.mvcc.revision,
      isLearner: this.node.raft.trk.isLearner(this.id),
      dbSize: this.dbSize,
    };
  }

  /** Raft's view: who leads, in which term, and this member's role. */
  raftStatus(): { leader: NodeId; term: number; role: string; applied: number; commit: number } {
    const r = this.node.raft;
    return { leader: r.lead, term: r.term, role: r.role, applied: this.appliedIndex, commit: r.log.committed };
  }

  get uptimeMs(): number {
    return Date.now() - this.startedAt;
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
      if (this.dbSizeTimer) clearInterval(this.dbSizeTimer);
      this.faults?.close();
      this.leases.close();
      this.leaderClients.close();
      this.watches.close();
      const stopped = new EtcdError('ETCD_STOPPED');
      this.memberChanges.rejectAll(stopped);
      this.writes.rejectAll(stopped);
      this.reads.failAll(stopped);
      await this.clientServer?.close();
      await this.transport?.close();
      // Let an in-flight Ready and the applies finish their writes before the database closes under them.
      while (this.readyRunning) await new Promise((r) => setTimeout(r, 5));
      await this.applying.catch(() => undefined);
      await this.mvcc.close();
      await this.db.close();
      if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
      this.logger.info('member stopped');
    })();
    return this.closed;
  }

  private closed: Promise<void> = Promise.resolve();
  /** The temporary folder of an in-memory member, removed on close. */
  private scratchDir: string | undefined;
}

/** A member as another member's Cluster API answered it. */
function fromPbMember(m: { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean }): MemberInfo {
  return { id: Number(m.ID), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs, isLearner: m.isLearner };
}
