// The leader's shortcut for a dead member's checks: a runner whose member the leader has not heard
// from for an election timeout (raft's own test of a live follower) loses its runner key's lease at
// once, rather than when the lease runs out. One write per member found dead, none while all live;
// if the member was only slow, it puts its key again and takes its checks back (its writes in
// between fail on the fence, see checks-keys-view.ts).
import type { Logger } from 'pino';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import type { ChecksKeysView } from './checks-keys-view.js';

export interface ReaperPort {
  readonly memberId: number;
  readonly leases: LeaseBackend;
  readonly logger: Logger;
  readonly electionTimeoutMs: number;
  /** The term this member leads in; undefined when it does not lead. */
  leaderTerm(): number | undefined;
  /** When this member last had a raft message from the member (performance.now()); undefined: never. */
  lastHeardFrom(memberId: number): number | undefined;
}

export class SilentRunnerReaper {
  /** When this member began to lead, and in which term. */
  private leading: { readonly term: number; readonly since: number } | undefined;
  private readonly revoked = new Set<bigint>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: ReaperPort,
    private readonly keys: ChecksKeysView,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(50, this.port.electionTimeoutMs / 4));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const term = this.port.leaderTerm();
    if (term === undefined) {
      this.leading = undefined;
      return;
    }
    // A follower hears only from its leader: a new leader (a new term, even one missed between two
    // ticks) gives everyone an election timeout to be heard from first.
    if (this.leading?.term !== term) this.leading = { term, since: now };
    const silentFor = this.port.electionTimeoutMs;
    if (now - this.leading.since < silentFor) return;
    for (const memberId of this.keys.liveMembers()) {
      if (memberId === this.port.memberId) continue;
      const heard = Math.max(this.port.lastHeardFrom(memberId) ?? 0, this.leading.since);
      const lease = this.keys.runner(memberId)?.lease;
      if (now - heard < silentFor || lease === undefined || this.revoked.has(lease)) continue;
      this.revoked.add(lease);
      this.port.logger.info({ member: memberId.toString(16), silentMs: Math.round(now - heard) }, 'a member running checks is not heard from; handing its checks to the others');
      this.port.leases.revoke(lease).catch((err: unknown) => {
        this.revoked.delete(lease);
        this.port.logger.debug({ err }, 'revoking a silent runner key failed');
      });
    }
  }
}
