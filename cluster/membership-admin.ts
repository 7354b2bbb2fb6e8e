// etcd's Cluster API on a member: the member list, and membership changes — validated against the
// leader's view (its progress tells whether a learner is ready) and proposed there: a follower,
// once the client's credentials are checked where it called, passes a change on to the leader over
// the peer protocol (leader-forwarding.ts), and the answer is given once the change is applied. Also
// the member's own publish of its name and client URLs, as etcd's members do.
import type { Logger } from 'pino';
import { RaftError, type NodeId } from '../raft/index.js';
import type { CallOptions } from '../rpc/call-options.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { MemberInfo } from '../rpc/member-backend.js';
import type { ForwardRequestIn, ForwardResponseOut } from '../rpc/peer-service.js';
import { memberIdFor } from './identity.js';
import { answerForwarded, forwardToLeader, fromWireMember, toWireMember, type ForwardAnswer, type ForwardingPort } from './leader-forwarding.js';
import { checkUrl } from './member-options.js';
import { encodeMemberContext, type MemberRecord } from './membership.js';
import type { Applied, Proposals } from './proposals.js';
import type { MemberRequest } from './proposal-codec.js';
import type { RaftDriver } from './raft-driver.js';

export interface MembershipAdminOptions {
  readonly self: NodeId;
  readonly name: string;
  readonly advertiseClientUrls: readonly string[];
  readonly initialClusterToken: string;
  readonly requestTimeoutMs: number;
  /**
   * Resolves once this member has applied everything the leader had committed when called (a
   * linearizable read's barrier): a change the leader made for it shows in this member's own list
   * before the client hears it is done, as etcd's member waits to apply its own proposals.
   */
  readonly caughtUp: () => Promise<void>;
}

/** The member list as this member knows it, kept current by the member as entries are applied. */
export interface MemberListSource {
  /** The applied list; empty until a joining member has applied its log. */
  readonly members: readonly MemberRecord[];
  /** The peers a joining member was told of. */
  readonly joinedWith: readonly MemberRecord[];
}

/** How long a follower waits before asking again while no leader takes a change. */
const LEADER_RETRY_MS = 50;

export class MembershipAdmin {
  private published = false;

  constructor(
    private readonly driver: RaftDriver,
    private readonly proposals: Proposals,
    private readonly forwarding: ForwardingPort,
    private readonly list: MemberListSource,
    private readonly options: MembershipAdminOptions,
    private readonly logger: Logger,
  ) {}

  memberList(): MemberInfo[] {
    // A member that joined and has not yet applied its log knows the cluster it was told of, as
    // etcd's does; never an empty list.
    if (this.list.members.length === 0) return this.list.joinedWith.map((m) => ({ ...m }));
    return this.toInfos(this.list.members);
  }

  private toInfos(members: readonly MemberRecord[]): MemberInfo[] {
    const { learners } = this.driver.fullStatus().confState;
    return members.map((m) => ({ ...m, isLearner: learners.includes(m.id) }));
  }

  private isLeader(): boolean {
    return this.driver.status().role === 'leader';
  }

  async addMember(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    if (this.isLeader()) return this.addAsLeader(peerUrls, isLearner);
    const answer = await this.forward({ member_add: { peer_urls: [...peerUrls], is_learner: isLearner } });
    if (answer === undefined) return this.addAsLeader(peerUrls, isLearner);
    await this.catchUp();
    const changed = membersChanged(answer);
    if (!changed.member) throw new Error('the leader answered a member add without the member');
    return { member: fromWireMember(changed.member), members: (changed.members ?? []).map(fromWireMember) };
  }

  async removeMember(id: NodeId): Promise<MemberInfo[]> {
    if (this.isLeader()) return this.removeAsLeader(id);
    const answer = await this.forward({ member_remove: String(id) });
    if (answer === undefined) return this.removeAsLeader(id);
    await this.catchUp();
    return (membersChanged(answer).members ?? []).map(fromWireMember);
  }

  async promoteMember(id: NodeId): Promise<MemberInfo[]> {
    if (this.isLeader()) return this.promoteAsLeader(id);
    const answer = await this.forward({ member_promote: String(id) });
    if (answer === undefined) return this.promoteAsLeader(id);
    await this.catchUp();
    return (membersChanged(answer).members ?? []).map(fromWireMember);
  }

  /** After a change the leader made: this member's list shows it too (the change stands either way). */
  private async catchUp(): Promise<void> {
    try {
      await this.options.caughtUp();
    } catch (err) {
      this.logger.debug({ err }, 'a membership change the leader made is not applied here yet');
    }
  }

  /**
   * Passes a change on to the leader. While there is none that would take it — none known, or the
   * one asked no longer leads, both answers that say nothing was done — asks again until the
   * request timeout, as etcd's follower waits for a leader to propose to; undefined if this member
   * was elected meanwhile (the caller makes the change itself). A call that broke is not repeated:
   * the change may have been made.
   */
  private async forward(request: Parameters<typeof forwardToLeader>[1]): Promise<ForwardAnswer | undefined> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      try {
        return await forwardToLeader(this.forwarding, request, Math.max(1, deadline - Date.now()));
      } catch (e) {
        const noLeaderYet = e instanceof EtcdError && (e.code === 'ETCD_NO_LEADER' || e.code === 'ETCD_NOT_LEADER' || e.code === 'ETCD_LEADER_CHANGED');
        if (!noLeaderYet || Date.now() + LEADER_RETRY_MS >= deadline) throw e;
      }
      await new Promise((r) => setTimeout(r, LEADER_RETRY_MS));
      if (this.isLeader()) return undefined;
    }
  }

  /**
   * The leader's side of a change a follower passed on (having checked its client's credentials):
   * carried out here, never passed on again; etcd's "not leader" if this member no longer leads.
   */
  serveForwarded(request: ForwardRequestIn): Promise<ForwardResponseOut> {
    return answerForwarded(async () => {
      if (!this.isLeader()) throw new EtcdError('ETCD_NOT_LEADER');
      switch (request.request) {
        case 'member_add': {
          const { member, members } = await this.addAsLeader(request.member_add.peer_urls ?? [], request.member_add.is_learner ?? false);
          return { members: { member: toWireMember(member), members: members.map(toWireMember) } };
        }
        case 'member_remove':
          return { members: { members: (await this.removeAsLeader(wireMemberId(request.member_remove))).map(toWireMember) } };
        case 'member_promote':
          return { members: { members: (await this.promoteAsLeader(wireMemberId(request.member_promote))).map(toWireMember) } };
        default:
          throw new Error(`not a membership request: ${String(request.request)}`);
      }
    });
  }

  private async addAsLeader(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    if (peerUrls.length === 0) throw new EtcdError('ETCD_MEMBER_BAD_URLS');
    for (const u of peerUrls) {
      try {
        checkUrl(u, 'peerURLs');
      } catch {
        throw new EtcdError('ETCD_MEMBER_BAD_URLS');
      }
    }
    if (this.list.members.some((m) => m.peerUrls.some((u) => peerUrls.includes(u)))) throw new EtcdError('ETCD_PEER_URL_EXIST');
    // etcd allows one learner at a time.
    if (isLearner && this.driver.fullStatus().confState.learners.length >= 1) throw new EtcdError('ETCD_TOO_MANY_LEARNERS');
    // As etcd: the peer URLs and the time, hashed — so a member re-added on the same URLs is a new member.
    const id = memberIdFor(peerUrls, this.options.initialClusterToken, String(Date.now()));
    const record: MemberRecord = { id, name: '', peerUrls: [...peerUrls], clientUrls: [], isLearner };
    const members = await this.proposeConfChange({ type: isLearner ? 'addLearner' : 'addVoter', nodeId: id }, record);
    return { member: { ...record, isLearner }, members: this.toInfos(members) };
  }

  private async removeAsLeader(id: NodeId): Promise<MemberInfo[]> {
    const record = this.list.members.find((m) => m.id === id);
    if (!record) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    return this.toInfos(await this.proposeConfChange({ type: 'removeNode', nodeId: id }, record));
  }

  private async promoteAsLeader(id: NodeId): Promise<MemberInfo[]> {
    const record = this.list.members.find((m) => m.id === id);
    if (!record) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    const st = this.driver.fullStatus();
    if (!st.confState.learners.includes(id)) throw new EtcdError('ETCD_MEMBER_NOT_LEARNER');
    // As etcd: only a learner that holds at least 90% of the leader's log may vote.
    const match = st.progress.get(id)?.match ?? 0;
    if (match < 0.9 * st.lastIndex) throw new EtcdError('ETCD_LEARNER_NOT_READY');
    return this.toInfos(await this.proposeConfChange({ type: 'addVoter', nodeId: id }, record));
  }

  async updateMember(id: NodeId, peerUrls: readonly string[]): Promise<MemberInfo[]> {
    const members = this.list.members;
    if (!members.some((m) => m.id === id)) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
    if (members.some((m) => m.id !== id && m.peerUrls.some((u) => peerUrls.includes(u)))) throw new EtcdError('ETCD_PEER_URL_EXIST');
    return this.toInfos(await this.proposeMembership({ type: 'updateMember', id, peerUrls: [...peerUrls] }));
  }

  /** Proposes a configuration change on the leader and waits until this member has applied it. */
  private async proposeConfChange(
    change: { type: 'addVoter' | 'addLearner' | 'removeNode'; nodeId: NodeId },
    record: MemberRecord,
    call?: CallOptions,
  ): Promise<readonly MemberRecord[]> {
    const { seq, done } = this.proposals.reserve(call);
    try {
      this.driver.proposeConfChange({ ...change, context: encodeMemberContext(record, { proposer: this.options.self, seq }) });
    } catch (e) {
      // Another change is still being applied, or this leader has not committed in its term yet.
      this.proposals.reject(seq, e instanceof RaftError ? new EtcdError('ETCD_UNHEALTHY', { cause: e }) : e);
    }
    return membersOf(await done);
  }

  /** A member's own request (publish, update): answered with the member list once applied. */
  private async proposeMembership(request: MemberRequest): Promise<readonly MemberRecord[]> {
    return membersOf(await this.proposals.propose(request));
  }

  /** Publishes this member's name and client URLs once a leader exists; retried until it is applied. */
  maybePublish(): void {
    if (this.published || this.driver.status().lead === 0) return;
    const me = this.list.members.find((m) => m.id === this.options.self);
    const urls = [...this.options.advertiseClientUrls];
    this.published = true;
    if (me && me.name === this.options.name && me.clientUrls.join(',') === urls.join(',')) return;
    this.proposeMembership({ type: 'publish', name: this.options.name, clientUrls: urls }).catch((e: unknown) => {
      this.published = false;
      this.logger.warn({ err: e }, 'publishing member attributes failed; will retry');
    });
  }
}

function membersOf(a: Applied): readonly MemberRecord[] {
  if (a.kind !== 'members') throw new Error('a membership request was answered as a write');
  return a.members;
}

/** The leader's answer to a forwarded membership change. */
function membersChanged(answer: ForwardAnswer): Extract<ForwardAnswer, { result: 'members' }>['members'] {
  if (answer.result !== 'members') throw new Error(`the leader answered a membership change with ${answer.result}`);
  return answer.members;
}

/** A member ID as a follower passed it on: one we gave out (below 2^53), or no member. */
function wireMemberId(id: string): NodeId {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
  return n;
}
