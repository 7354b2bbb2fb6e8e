// The leader's shortcut for a dead member's checks: a runner the leader knows to be silent loses
// its runner key's lease at once, rather than when the lease runs out. One write per member found
// dead, none while all live; if the member was only slow, it puts its key again and takes its
// checks back (its writes in between fail on the fence, see checks-keys-view.ts).
//
// What "silent" means depends on what the leader could have heard (any raft message counts):
//   - a member heard from since this member began to lead: silent after an election timeout
//     without a message, raft's own test of a live follower (checkQuorum uses the same);
//   - the leader this member followed before it led: its heartbeats came every interval, so its
//     silence is known from the last one (usually an election timeout ago already: that is why
//     this member campaigned), with no grace;
//   - any other member: a follower hears from nobody but its leader, so a new leader cannot tell
//     how long another member has been quiet. Every live follower answers the new leader's first
//     heartbeat within a round trip, so one not heard from for a few heartbeat intervals since the
//     term began is taken as dead.
import type { Logger } from 'pino';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import type { ChecksKeysView } from './checks-keys-view.js';

/** Heartbeat intervals a new leader waits for a member it never heard from as leader. */
const FIRST_ANSWER_HEARTBEATS = 3;

export interface ReaperPort {
  readonly memberId: number;
  readonly leases: Pick<LeaseBackend, 'revoke'>;
  readonly logger: Logger;
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The term this member leads in; undefined when it does not lead. */
  leaderTerm(): number | undefined;
  /** The leader this member knows of (itself included); undefined when none. */
  leaderId(): number | undefined;
  /** When this member last had a raft message from the member (performance.now()); undefined: never. */
  lastHeardFrom(memberId: number): number | undefined;
  /** The clock lastHeardFrom reads (performance.now() unless a test fakes it). */
  now?(): number;
}

/** The part of the checks keys' view the reaper reads. */
export type RunnerKeys = Pick<ChecksKeysView, 'liveMembers' | 'runner'>;

interface Leading {
  readonly term: number;
  readonly since: number;
  /** The leader this member followed last before it led (undefined: none seen). */
  readonly previousLeader: number | undefined;
}

export class SilentRunnerReaper {
  private leading: Leading | undefined;
  /** The last leader this member saw while it did not lead. */
  private followed: number | undefined;
  private readonly revoked = new Set<bigint>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: ReaperPort,
    private readonly keys: RunnerKeys,
  ) {}

  /** Looks every heartbeat interval: a dead member's checks wait no longer than that for it. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.tickMs());
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  tickMs(): number {
    return Math.max(20, Math.min(this.port.heartbeatIntervalMs, this.port.electionTimeoutMs / 4));
  }

  /** How long a new leader waits for a member it could not have heard from before it led. */
  firstAnswerGraceMs(): number {
    return Math.min(this.port.electionTimeoutMs, FIRST_ANSWER_HEARTBEATS * this.port.heartbeatIntervalMs);
  }

  /** One look: revokes the runner keys of the members found silent. */
  tick(): void {
    const now = this.port.now?.() ?? performance.now();
    const term = this.port.leaderTerm();
    if (term === undefined) {
      this.leading = undefined;
      const leader = this.port.leaderId();
      if (leader !== undefined && leader !== this.port.memberId) this.followed = leader;
      return;
    }
    // A new term, even one missed between two ticks, starts the counting again.
    if (this.leading?.term !== term) this.leading = { term, since: now, previousLeader: this.followed };
    for (const memberId of this.keys.liveMembers()) {
      if (memberId === this.port.memberId) continue;
      const lease = this.keys.runner(memberId)?.lease;
      if (lease === undefined || this.revoked.has(lease)) continue;
      const silentMs = this.silentFor(memberId, now, this.leading);
      if (silentMs === undefined) continue;
      this.revoked.add(lease);
      this.port.logger.info({ member: memberId.toString(16), silentMs: Math.round(silentMs) }, 'a member running checks is not heard from; handing its checks to the others');
      this.port.leases.revoke(lease).catch((err: unknown) => {
        this.revoked.delete(lease);
        this.port.logger.debug({ err }, 'revoking a silent runner key failed');
      });
    }
  }

  /** How long the member has been silent, when that is long enough to call it dead; else undefined. */
  private silentFor(memberId: number, now: number, leading: Leading): number | undefined {
    const heard = this.port.lastHeardFrom(memberId);
    const electionTimeout = this.port.electionTimeoutMs;
    if (heard !== undefined && heard >= leading.since) {
      return now - heard >= electionTimeout ? now - heard : undefined;
    }
    if (memberId === leading.previousLeader && heard !== undefined) {
      return now - heard >= electionTimeout ? now - heard : undefined;
    }
    return now - leading.since >= this.firstAnswerGraceMs() ? now - (heard ?? leading.since) : undefined;
  }
}
