// Pre-vote and check-quorum (Raft thesis §9.6, §6.2 and §4.2.3). A pre-candidate asks whether it
// could win before it raises its term, so a member that was cut off cannot depose a healthy leader
// when it comes back. A leader that has not heard from a majority for an election timeout steps down, and a
// follower that hears from a leader ignores vote requests for the rest of that timeout (its lease),
// unless the campaign follows a leader transfer.
import { describe, expect, it } from 'vitest';
import { NONE } from '../../raft/index.js';
import { heartbeat, only, Solo, voteReq, voteResp } from './helpers.js';
import { TestNetwork } from './network.js';

describe('pre-vote', () => {
  it('campaigning with a pre-vote changes neither term nor vote, and persists nothing', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, vote: 2 });
    s.flush();
    s.node.campaign();
    expect(s.raft.role).toBe('preCandidate');
    const rd = s.ready()!;
    expect(rd.hardState).toBeUndefined();
    expect(rd.mustSync).toBe(false);
    // The requests name the term it would campaign in.
    expect(only(rd.messages, 'preVote').map((m) => [m.to, m.term])).toEqual([
      [2, 2],
      [3, 2],
    ]);
    expect(s.raft.term).toBe(1);
    expect(s.raft.vote).toBe(2);
  });

  it('granting a pre-vote changes neither the voter\'s term nor its vote', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.flush();
    s.step(voteReq(1, 2, 2, 1, 1, { pre: true }));
    const rd = s.ready()!;
    expect(only(rd.messages, 'preVoteResp')).toEqual([voteResp(2, 1, 2, { pre: true })]);
    expect(rd.hardState).toBeUndefined();
    expect(s.raft.term).toBe(1);
    expect(s.raft.vote).toBe(NONE);
  });

  it('a pre-candidate with a majority of pre-votes starts the real election', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.node.campaign();
    s.flush();
    s.step(voteResp(2, 1, 2, { pre: true }));
    expect(s.raft.role).toBe('candidate');
    expect(s.raft.term).toBe(2);
    expect(only(s.flush(), 'vote').map((m) => m.term)).toEqual([2, 2]);
  });

  it('a pre-candidate refused by a majority goes back to following, in its old term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.node.campaign();
    s.step(voteResp(2, 1, 1, { pre: true, reject: true }), voteResp(3, 1, 1, { pre: true, reject: true }));
    expect(s.raft.role).toBe('follower');
    expect(s.raft.term).toBe(1);
  });

  it('a member cut off from the cluster comes back without raising the term or deposing the leader', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    const term = net.raft(1).term;
    net.isolate(3);
    net.run(100);
    // It tried: it is stuck asking for pre-votes no one receives.
    expect(net.raft(3).role).toBe('preCandidate');
    expect(net.raft(3).term).toBe(term);
    net.heal();
    net.run(5);
    expect(net.leader()).toBe(1);
    expect(net.raft(1).term).toBe(term);
    expect(net.raft(3)).toMatchObject({ role: 'follower', lead: 1, term });
    net.propose(1, 'after');
    expect(net.payloads(3)).toEqual(['after']);
  });

  it('without pre-vote the same member does depose the leader (the scenario above is a real test)', () => {
    const net = new TestNetwork([1, 2, 3], { preVote: false, checkQuorum: false });
    net.elect(1);
    const term = net.raft(1).term;
    net.isolate(3);
    net.run(100);
    expect(net.raft(3).term).toBeGreaterThan(term + 3);
    net.heal();
    net.run(30); // its next campaign reaches the others
    expect(net.raft(1).term).toBeGreaterThan(term);
  });
});

describe('check-quorum: a leader that cannot hear from a majority steps down', () => {
  it('a leader cut off from everyone steps down within two election timeouts, however the checks fall', () => {
    for (let before = 0; before < 10; before++) {
      const net = new TestNetwork([1, 2, 3], { electionTick: 10 });
      net.elect(1);
      net.tick(1, before);
      net.isolate(1);
      let ticks = 0;
      while (net.raft(1).role === 'leader' && ticks < 100) {
        net.tick(1);
        ticks++;
      }
      // The check runs every election timeout and looks at who answered since the previous one, so
      // the first check after the cut may still see answers from before it.
      expect(ticks).toBeGreaterThan(10);
      expect(ticks).toBeLessThanOrEqual(20);
      expect(net.raft(1)).toMatchObject({ role: 'follower', lead: NONE });
    }
  });

  it('a leader of five that reaches only one follower steps down; the other side elects a leader', () => {
    const net = new TestNetwork([1, 2, 3, 4, 5], { electionTick: 10 });
    net.elect(1);
    for (const a of [1, 2]) for (const b of [3, 4, 5]) {
      net.cutLink(a, b);
      net.cutLink(b, a);
    }
    net.tickUntil(() => net.raft(1).role !== 'leader', 30);
    net.tickUntil(() => [3, 4, 5].some((id) => net.raft(id).role === 'leader'), 100);
  });

  it('a leader that hears from a majority stays leader, in the same term, however long it runs', () => {
    const net = new TestNetwork([1, 2, 3, 4, 5], { electionTick: 10 });
    net.elect(1);
    const term = net.raft(1).term;
    net.isolate(4);
    net.isolate(5);
    net.run(200);
    expect(net.raft(1)).toMatchObject({ role: 'leader', term });
  });

  it('without check-quorum the cut-off leader never steps down (the tests above can fail)', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: false });
    net.elect(1);
    net.isolate(1);
    net.tick(1, 100);
    expect(net.raft(1).role).toBe('leader');
  });
});

describe('check-quorum: a member that heard from a leader ignores vote requests for an election timeout', () => {
  function followerOfOne(): Solo {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 }, { electionTick: 10 });
    s.step(heartbeat(1, 2, 1));
    s.flush();
    return s;
  }

  for (const pre of [false, true]) {
    it(`a ${pre ? 'pre-vote' : 'vote'} request of a higher term is ignored: no answer, no new term`, () => {
      const s = followerOfOne();
      s.tick(9);
      s.step(voteReq(3, 2, 2, 5, 1, { pre }));
      expect(s.flush()).toEqual([]);
      expect(s.raft).toMatchObject({ term: 1, lead: 1, vote: NONE });
    });
  }

  it('once the lease has run out the request is answered', () => {
    const s = followerOfOne();
    s.tick(10);
    s.step(voteReq(3, 2, 2, 5, 1));
    expect(only(s.flush(), 'voteResp', 3)).toEqual([voteResp(2, 3, 2)]);
    expect(s.raft).toMatchObject({ term: 2, vote: 3 });
  });

  it('a campaign that follows a leader transfer overrides the lease', () => {
    const s = followerOfOne();
    s.step(voteReq(3, 2, 2, 5, 1, { transfer: true }));
    expect(only(s.flush(), 'voteResp', 3)).toEqual([voteResp(2, 3, 2)]);
    expect(s.raft).toMatchObject({ term: 2, vote: 3 });
  });

  it('the leader itself ignores vote requests of higher terms', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.elect();
    s.tick(5);
    s.step(voteReq(3, 1, 9, 5, 1));
    expect(s.raft).toMatchObject({ role: 'leader', term: 2 });
  });

  it('without check-quorum there is no lease: the follower votes', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 }, { checkQuorum: false });
    s.step(heartbeat(1, 2, 1));
    s.step(voteReq(3, 2, 2, 5, 1));
    expect(only(s.flush(), 'voteResp', 3)).toEqual([voteResp(2, 3, 2)]);
  });

  it('a stale leader that comes back learns the new term from its first heartbeat\'s answer and steps down', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: false });
    net.elect(1);
    net.isolate(1);
    net.elect(2);
    expect(net.leader()).not.toBe(null);
    const term = net.raft(2).term;
    expect(net.raft(1)).toMatchObject({ role: 'leader', term: term - 1 });
    net.heal();
    net.tick(1);
    expect(net.raft(1)).toMatchObject({ role: 'follower', term });
    expect(net.raft(2).role).toBe('leader');
  });
});
