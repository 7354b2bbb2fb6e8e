// The reaper's rule for when a runner is silent, on a fake clock and fake raft state: the leader
// this member followed is judged from its last heartbeat at once, a member not heard from since
// the term began gets a few heartbeat intervals, and one heard from since gets an election timeout.
// (test/registry/checks/takeover.test.ts runs it on real member processes.)
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { SilentRunnerReaper, type ReaperPort, type RunnerKeys } from '../../../registry/checks/silent-runner-reaper.js';

const SELF = 1;
const OLD_LEADER = 2;
const OTHER = 3;
const ELECTION_TIMEOUT_MS = 1000;
const HEARTBEAT_MS = 100;

class FakeRaft implements ReaperPort {
  readonly memberId = SELF;
  readonly logger = pino({ level: 'silent' });
  readonly electionTimeoutMs = ELECTION_TIMEOUT_MS;
  heartbeatIntervalMs = HEARTBEAT_MS;
  clock = 10_000;
  term: number | undefined = undefined;
  leader: number | undefined = OLD_LEADER;
  readonly heard = new Map<number, number>();
  readonly revokedLeases: bigint[] = [];
  failRevokes = false;
  readonly leases = {
    revoke: (id: bigint): Promise<{ revision: number }> => {
      if (this.failRevokes) return Promise.reject(new Error('no leader'));
      this.revokedLeases.push(id);
      return Promise.resolve({ revision: 1 });
    },
  };

  leaderTerm(): number | undefined {
    return this.term;
  }
  leaderId(): number | undefined {
    return this.leader;
  }
  lastHeardFrom(memberId: number): number | undefined {
    return this.heard.get(memberId);
  }
  now(): number {
    return this.clock;
  }
  /** This member is elected in `term` now. */
  elect(term: number): void {
    this.term = term;
    this.leader = SELF;
  }
}

/** Runner keys: member id → lease (the lease is 100 + the id). */
const keysOf = (members: readonly number[]): RunnerKeys => ({
  liveMembers: () => [...members],
  runner: (memberId) => (members.includes(memberId) ? { lease: BigInt(100 + memberId), modRevision: 1 } : undefined),
});
const leaseOf = (memberId: number): bigint => BigInt(100 + memberId);

describe('SilentRunnerReaper', () => {
  let raft: FakeRaft;
  let reaper: SilentRunnerReaper;
  /** Moves the fake clock on, ticking as the reaper's timer would. */
  const advance = (ms: number): void => {
    const step = reaper.tickMs();
    for (let done = 0; done < ms; done += step) {
      raft.clock += Math.min(step, ms - done);
      reaper.tick();
    }
  };

  /** This member is elected and looks at once: the term's counting starts now. */
  const lead = (term: number): void => {
    raft.elect(term);
    reaper.tick();
  };

  beforeEach(() => {
    raft = new FakeRaft();
    reaper = new SilentRunnerReaper(raft, keysOf([SELF, OLD_LEADER, OTHER]));
  });

  it('revokes nothing while it follows, however long it has not heard from the others', () => {
    raft.heard.set(OLD_LEADER, raft.clock - 5000);
    advance(5000);
    expect(raft.revokedLeases).toEqual([]);
  });

  it('revokes the leader it followed at its first look as the new leader, when that leader was silent an election timeout', () => {
    reaper.tick(); // follows OLD_LEADER
    raft.heard.set(OLD_LEADER, raft.clock);
    raft.heard.set(OTHER, raft.clock + 1200); // its vote, during the election
    raft.leader = undefined; // the election
    advance(1300);
    lead(5);
    expect(raft.revokedLeases).toEqual([leaseOf(OLD_LEADER)]);
  });

  it('gives the leader it followed an election timeout from its last message, not from the new term', () => {
    reaper = new SilentRunnerReaper(raft, keysOf([SELF, OLD_LEADER]));
    reaper.tick();
    // A leadership transfer: the old leader's message came just before this member led.
    raft.heard.set(OLD_LEADER, raft.clock);
    raft.clock += 50;
    lead(5);
    advance(ELECTION_TIMEOUT_MS - HEARTBEAT_MS - 50);
    expect(raft.revokedLeases).toEqual([]);
    advance(HEARTBEAT_MS);
    expect(raft.revokedLeases).toContain(leaseOf(OLD_LEADER));
  });

  it('gives a member it never heard from as leader three heartbeat intervals, not an election timeout', () => {
    reaper.tick();
    lead(5);
    const since = raft.clock;
    raft.heard.set(OLD_LEADER, raft.clock); // answers the first heartbeat; OTHER never does
    advance(3 * HEARTBEAT_MS - 1);
    expect(raft.revokedLeases).toEqual([]);
    advance(HEARTBEAT_MS);
    expect(raft.revokedLeases).toEqual([leaseOf(OTHER)]);
    expect(raft.clock - since).toBeLessThan(3 * HEARTBEAT_MS + reaper.tickMs() + 1);
  });

  it('gives a member heard from since it led an election timeout of silence', () => {
    reaper.tick();
    lead(5);
    raft.heard.set(OLD_LEADER, raft.clock);
    raft.heard.set(OTHER, raft.clock);
    advance(ELECTION_TIMEOUT_MS - 1);
    expect(raft.revokedLeases).toEqual([]);
    advance(reaper.tickMs());
    expect(raft.revokedLeases.sort()).toEqual([leaseOf(OLD_LEADER), leaseOf(OTHER)]);
  });

  it('caps the grace at an election timeout when heartbeats are slow', () => {
    raft.heartbeatIntervalMs = 500;
    expect(reaper.firstAnswerGraceMs()).toBe(ELECTION_TIMEOUT_MS);
    raft.heartbeatIntervalMs = HEARTBEAT_MS;
    expect(reaper.firstAnswerGraceMs()).toBe(3 * HEARTBEAT_MS);
  });

  it('counts again from a new term, and never revokes its own key', () => {
    reaper.tick();
    lead(5);
    raft.heard.set(OLD_LEADER, raft.clock);
    raft.heard.set(OTHER, raft.clock);
    advance(ELECTION_TIMEOUT_MS / 2);
    // Lost the lead and won it again later: the members had no reason to talk to it in between.
    raft.term = undefined;
    raft.leader = OTHER;
    advance(ELECTION_TIMEOUT_MS);
    raft.heard.set(OTHER, raft.clock - 10); // its last heartbeat as leader
    lead(7);
    advance(3 * HEARTBEAT_MS - 1);
    expect(raft.revokedLeases).toEqual([]);
    advance(HEARTBEAT_MS);
    // OLD_LEADER was not heard from in term 7 (its messages of term 5 do not count); OTHER led in
    // between and is judged from its last message, a few hundred ms ago.
    expect(raft.revokedLeases).toEqual([leaseOf(OLD_LEADER)]);
    expect(raft.revokedLeases).not.toContain(leaseOf(SELF));
  });

  it('revokes a lease once, and again after a failed revoke', async () => {
    reaper.tick();
    raft.heard.set(OLD_LEADER, raft.clock - 2 * ELECTION_TIMEOUT_MS);
    raft.failRevokes = true;
    lead(5);
    raft.heard.set(OTHER, raft.clock);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(raft.revokedLeases).toEqual([]);
    raft.failRevokes = false;
    advance(reaper.tickMs());
    advance(5 * reaper.tickMs());
    expect(raft.revokedLeases.filter((l) => l === leaseOf(OLD_LEADER))).toHaveLength(1);
  });
});
