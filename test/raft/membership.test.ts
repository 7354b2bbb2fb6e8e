// Membership changes, one member at a time (Raft thesis §4.1, with Ongaro's later fix for
// single-server changes: a new leader changes the configuration only after committing an entry of
// its term). A change takes effect when the application applies its entry; the next may be proposed
// only after that. Learners receive the log but neither vote nor campaign; a leader removed from the
// configuration steps down and hands over with TimeoutNow.
import { raftOf } from '../../raft/testing.js';
import { describe, expect, it } from 'vitest';
import { ConfChangeRejectedError, RawNode, type ConfChange, type NodeId } from '../../raft/index.js';
import { appendResp, only, Solo, storageWith } from './helpers.js';
import { TestNetwork } from './network.js';

function change(net: TestNetwork, leader: NodeId, cc: ConfChange): void {
  net.member(leader).node.proposeConfChange(cc);
  net.stabilize();
}

function voteTraffic(net: TestNetwork, from: number): { from: NodeId; to: NodeId }[] {
  return net.delivered.slice(from).filter((m) => m.type === 'vote' || m.type === 'preVote' || m.type === 'voteResp' || m.type === 'preVoteResp');
}

describe('a learner', () => {
  function withLearner(): TestNetwork {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'before');
    net.addBlankMember(4);
    change(net, 1, { type: 'addLearner', nodeId: 4 });
    return net;
  }

  it('joins with an empty log and receives all of it, configuration entries included', () => {
    const net = withLearner();
    net.propose(1, 'after');
    expect(net.payloads(4)).toEqual(['before', 'after']);
    for (const id of [1, 2, 3, 4]) expect(net.member(id).node.status().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(net.member(1).node.status().progress.get(4)).toMatchObject({ isLearner: true, state: 'replicate' });
  });

  it('does not count towards the commit quorum', () => {
    const net = withLearner();
    net.isolate(2);
    net.isolate(3);
    net.cutLink(4, 2);
    const committed = net.raft(1).log.committed;
    net.propose(1, 'x');
    const last = net.raft(1).log.lastIndex();
    expect(net.member(1).node.status().progress.get(4)!.match).toBe(last);
    expect(net.raft(1).log.committed).toBe(committed);
  });

  it('never campaigns and is never asked to vote, even while the voters elect a new leader', () => {
    const net = withLearner();
    const from = net.delivered.length;
    net.isolate(1);
    net.tickUntil(() => net.raft(2).role === 'leader' || net.raft(3).role === 'leader');
    net.run(50);
    expect(net.raft(4).role).toBe('follower');
    expect(voteTraffic(net, from).filter((m) => m.from === 4 || m.to === 4)).toEqual([]);
  });

  it('promoted to a voter, it counts: with 4 voters a leader needs 3 of them', () => {
    const net = withLearner();
    change(net, 1, { type: 'addVoter', nodeId: 4 });
    for (const id of [1, 2, 3, 4]) expect(net.member(id).node.status().confState).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    net.isolate(2);
    net.isolate(3);
    const committed = net.raft(1).log.committed;
    net.propose(1, 'needs three');
    expect(net.raft(1).log.committed).toBe(committed);
    net.heal();
    net.isolate(3);
    net.tick(1);
    expect(net.payloads(4)).toEqual(['before', 'needs three']);
  });

  it('promoted, it may lead', () => {
    const net = withLearner();
    change(net, 1, { type: 'addVoter', nodeId: 4 });
    net.member(1).node.transferLeader(4);
    net.stabilize();
    expect(net.leader()).toBe(4);
  });
});

describe('removing members', () => {
  it('a removed voter no longer counts, and does not campaign', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    change(net, 1, { type: 'removeNode', nodeId: 3 });
    expect(net.member(1).node.status().confState.voters).toEqual([1, 2]);
    const term = net.raft(3).term;
    net.isolate(3);
    net.propose(1, 'x');
    expect(net.payloads(2)).toEqual(['x']);
    net.run(100);
    expect(net.raft(3)).toMatchObject({ role: 'follower', term });
  });

  it('a removed leader steps down and hands over with TimeoutNow: a new leader without any tick', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    const term = net.raft(1).term;
    const from = net.delivered.length;
    change(net, 1, { type: 'removeNode', nodeId: 1 });
    expect(net.raft(1).role).toBe('follower');
    const handedTo = net.delivered.slice(from).filter((m) => m.type === 'timeoutNow');
    expect(handedTo.map((m) => m.from)).toEqual([1]);
    const next = net.leader();
    expect(next).toBe(handedTo[0]!.to);
    expect(net.raft(next!).term).toBe(term + 1);
    expect(net.member(next!).node.status().confState.voters).toEqual([2, 3]);
    net.propose(next!, 'y');
    expect(net.payloads(2)).toEqual(['y']);
    expect(net.payloads(1)).toEqual([]);
  });

  it('the last voter cannot be removed, nor a member that is not there', () => {
    const s = new Solo(1, { voters: [1], terms: [1], term: 1, commit: 1 });
    s.elect();
    expect(() => s.node.proposeConfChange({ type: 'removeNode', nodeId: 1 })).toThrow(/last voter/);
    expect(() => s.node.proposeConfChange({ type: 'removeNode', nodeId: 7 })).toThrow(/not in the cluster/);
  });
});

describe('one change at a time', () => {
  /** Leader 1 of {1, 2, 3}, term 2, its no-op committed and applied. */
  function leader(): Solo {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 });
    s.elect();
    s.ackAll();
    return s;
  }

  it('a second change is refused until the first is applied', () => {
    const s = leader();
    s.node.proposeConfChange({ type: 'addLearner', nodeId: 4 });
    s.flush();
    expect(() => s.node.proposeConfChange({ type: 'addLearner', nodeId: 5 })).toThrow(/not yet applied/);
    s.ackAll(); // committed; the Solo applies it
    expect(s.node.status().confState.learners).toEqual([4]);
    s.node.proposeConfChange({ type: 'addLearner', nodeId: 5 });
  });

  it('a second change forwarded by a follower is logged as an empty entry instead', () => {
    const s = leader();
    const cc = (nodeId: number): ConfChange => ({ type: 'addLearner', nodeId });
    s.step({ type: 'propose', from: 2, to: 1, term: 0, entries: [{ type: 'confChange', change: cc(4) }] });
    s.step({ type: 'propose', from: 2, to: 1, term: 0, entries: [{ type: 'confChange', change: cc(5) }] });
    const tail = s.raft.log.allEntries().slice(-2);
    expect(tail[0]).toMatchObject({ type: 'confChange', change: cc(4) });
    expect(tail[1]).toMatchObject({ type: 'normal', data: new Uint8Array() });
  });

  it('a new leader changes nothing before it has committed an entry of its term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 });
    s.elect();
    expect(() => s.node.proposeConfChange({ type: 'addLearner', nodeId: 4 })).toThrow(/committed an entry in its term/);
    s.ackAll();
    s.node.proposeConfChange({ type: 'addLearner', nodeId: 4 });
  });

  it('a new leader waits until every entry of earlier terms is applied: one of them may be a change', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 1, 1], term: 1, commit: 1 });
    s.elect(); // its no-op is index 4
    s.step(appendResp(2, 1, 2, 4));
    expect(s.raft.log.committed).toBe(4);
    expect(s.raft.log.applied).toBe(1);
    expect(() => s.node.proposeConfChange({ type: 'addLearner', nodeId: 4 })).toThrow(/not yet applied/);
    s.flush();
    s.node.proposeConfChange({ type: 'addLearner', nodeId: 4 });
  });

  it('a member does not campaign while a committed change is not yet applied (it may remove it)', () => {
    const storage = storageWith({ voters: [1, 2, 3], terms: [1], term: 1 });
    storage.append([{ type: 'confChange', term: 1, index: 2, change: { type: 'removeNode', nodeId: 1 } }]);
    storage.setHardState({ term: 1, vote: 0, commit: 2 });
    const node = new RawNode({ id: 1, storage, random: { int: () => 0 }, applied: 1 });
    node.campaign();
    expect(raftOf(node).role).toBe('follower');
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.type)).toEqual(['confChange']);
    for (const e of rd.committedEntries) if (e.type === 'confChange') node.applyConfChange(e);
    node.advance();
    node.campaign();
    expect(raftOf(node).role).toBe('follower'); // and now it knows it was removed
    expect(node.status().confState.voters).toEqual([2, 3]);
  });

  it('applying the same change twice (after a restart) changes nothing the second time', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.addBlankMember(4);
    change(net, 1, { type: 'addLearner', nodeId: 4 });
    change(net, 1, { type: 'addVoter', nodeId: 4 });
    net.restart(2);
    net.stabilize();
    expect(net.member(2).node.status().confState).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    const entry = net.member(2).applied.find((e) => e.type === 'confChange' && e.change.type === 'addLearner');
    expect(entry).toBeDefined();
    if (entry?.type === 'confChange') expect(net.member(2).node.applyConfChange(entry)).toEqual({ voters: [1, 2, 3, 4], learners: [] });
  });

  it('changes that make no sense are refused: adding a voter twice, demoting a voter to learner', () => {
    const s = leader();
    expect(() => s.node.proposeConfChange({ type: 'addVoter', nodeId: 2 })).toThrow(ConfChangeRejectedError);
    expect(() => s.node.proposeConfChange({ type: 'addLearner', nodeId: 3 })).toThrow(/cannot be demoted/);
    expect(only(s.flush(), 'append')).toEqual([]);
  });
});
