// Leadership transfer (Raft thesis §3.10): the leader brings the target's log up to date, then tells
// it to campaign at once (TimeoutNow). Meanwhile it takes no proposals, so the target stays up to
// date; if the transfer does not finish within an election timeout it is abandoned. Only a voter can
// take over.
import { describe, expect, it } from 'vitest';
import { NONE, ProposalDroppedError } from '../../raft/index.js';
import { appendResp, only, Solo } from './helpers.js';
import { bytes, TestNetwork } from './network.js';

/** Leader 1 of {1, 2, 3} (learner 4) in term 2, log up to 4; 2 has all of it, 3 only up to 2. */
function leaderWithLaggingThree(): Solo {
  const s = new Solo(1, { voters: [1, 2, 3], learners: [4], terms: [1], term: 1, commit: 1 }, { electionTick: 10 });
  s.elect();
  s.ackAll([2, 3]);
  s.node.propose([bytes('a'), bytes('b')]);
  s.flush();
  s.ackAll([2]);
  expect(s.raft.log.lastIndex()).toBe(4);
  return s;
}

describe('leader transfer to an up-to-date follower', () => {
  it('sends TimeoutNow at once', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(2);
    expect(only(s.flush(), 'timeoutNow')).toEqual([{ type: 'timeoutNow', from: 1, to: 2, term: 2 }]);
    expect(s.node.status().leadTransferee).toBe(2);
  });

  it('the target campaigns without a pre-vote and wins at once, though the others are in the old leader\'s lease', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    const term = net.raft(1).term;
    const from = net.delivered.length;
    net.member(1).node.transferLeader(2);
    net.stabilize();
    expect(net.leader()).toBe(2);
    expect(net.raft(2).term).toBe(term + 1);
    expect(net.raft(1)).toMatchObject({ role: 'follower', lead: 2 });
    expect(net.delivered.slice(from).map((m) => m.type)).not.toContain('preVote');
  });

  it('a follower given TimeoutNow campaigns in a new term, marking its requests as a transfer', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.step({ type: 'timeoutNow', from: 1, to: 2, term: 1 });
    expect(s.raft).toMatchObject({ role: 'candidate', term: 2, vote: 2 });
    expect(only(s.flush(), 'vote').map((m) => [m.to, m.transfer])).toEqual([
      [1, true],
      [3, true],
    ]);
  });

  it('a follower asked to transfer passes the request to its leader', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.member(3).node.transferLeader(3);
    net.stabilize();
    expect(net.leader()).toBe(3);
  });
});

describe('leader transfer to a lagging follower', () => {
  it('sends TimeoutNow only once the target has acknowledged the leader\'s last entry', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(3);
    expect(only(s.flush(), 'timeoutNow')).toEqual([]);
    s.step(appendResp(3, 1, 2, 3));
    expect(only(s.flush(), 'timeoutNow')).toEqual([]);
    s.step(appendResp(3, 1, 2, 4));
    expect(only(s.flush(), 'timeoutNow', 3)).toHaveLength(1);
  });

  it('in a cluster: the target catches up, then takes over', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a', 'b', 'c');
    net.heal();
    const last = net.raft(1).log.lastIndex();
    expect(net.raft(3).log.lastIndex()).toBeLessThan(last);
    const from = net.delivered.length;
    net.member(1).node.transferLeader(3);
    net.stabilize();
    expect(net.leader()).toBe(3);
    const traffic = net.delivered.slice(from);
    const timeoutNow = traffic.findIndex((m) => m.type === 'timeoutNow');
    const caughtUp = traffic.findIndex((m) => m.type === 'appendResp' && m.from === 3 && !m.reject && m.index === last);
    expect(caughtUp).toBeGreaterThanOrEqual(0);
    expect(timeoutNow).toBeGreaterThan(caughtUp);
    expect(net.payloads(3)).toEqual(['a', 'b', 'c']);
  });

  it('the leader takes no proposals while the transfer is under way, local or forwarded', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(3);
    s.flush();
    const last = s.raft.log.lastIndex();
    expect(() => s.node.propose(bytes('x'))).toThrow(ProposalDroppedError);
    s.step({ type: 'propose', from: 2, to: 1, term: 0, entries: [{ type: 'normal', data: bytes('y') }] });
    expect(s.raft.log.lastIndex()).toBe(last);
  });

  it('gives up after an election timeout, and takes proposals again', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(3);
    s.tick(9);
    expect(s.node.status().leadTransferee).toBe(3);
    s.tick();
    expect(s.node.status().leadTransferee).toBe(NONE);
    expect(s.raft.role).toBe('leader');
    s.node.propose(bytes('x'));
    expect(s.raft.log.lastIndex()).toBe(5);
  });
});

describe('leader transfer to a member that cannot lead is refused', () => {
  it('to a learner: no transfer starts, proposals keep flowing', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(4);
    expect(only(s.flush(), 'timeoutNow')).toEqual([]);
    expect(s.node.status().leadTransferee).toBe(NONE);
    s.node.propose(bytes('x'));
  });

  it('to a member outside the configuration, or to the leader itself', () => {
    const s = leaderWithLaggingThree();
    s.node.transferLeader(9);
    s.node.transferLeader(1);
    expect(only(s.flush(), 'timeoutNow')).toEqual([]);
    expect(s.node.status().leadTransferee).toBe(NONE);
  });

  it('a learner that receives TimeoutNow anyway does not campaign', () => {
    const s = new Solo(4, { voters: [1, 2, 3], learners: [4], terms: [1], term: 1 });
    s.step({ type: 'timeoutNow', from: 1, to: 4, term: 1 });
    expect(s.raft).toMatchObject({ role: 'follower', term: 1 });
  });
});
