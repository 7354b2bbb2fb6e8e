// ReadIndex (Raft thesis §6.4): a linearizable read without writing to the log. The leader notes its
// commit index, confirms it still leads with a round of heartbeats answered by a majority, and only
// then hands out the read state; the read is served once the applied index reaches it. A new leader
// first commits an entry of its term, since until then it does not know the latest commit index.
// Followers forward reads to the leader.
import { raftOf } from '../../raft/testing.js';
import { describe, expect, it } from 'vitest';
import { ProposalDroppedError, type Message } from '../../raft/index.js';
import { appendResp, handleReady, heartbeat, heartbeatResp, only, Solo } from './helpers.js';
import { bytes, TestNetwork } from './network.js';

/** Leader 1 of the given voters (and learners), in term 2, with its no-op (index 2) committed. */
function leader(voters = [1, 2, 3], learners: number[] = []): Solo {
  const s = new Solo(1, { voters, learners, terms: [1], term: 1, commit: 1 });
  s.elect();
  s.ackAll();
  expect(s.raft.log.committed).toBe(2);
  return s;
}

describe('ReadIndex on the leader', () => {
  it('is answered only after a majority answered a heartbeat sent for it, at the commit index of the request', () => {
    const s = leader();
    s.node.readIndex('a');
    const hbs = only(s.flush(), 'heartbeat');
    expect(hbs.map((m) => [m.to, m.context])).toEqual([
      [2, 'a'],
      [3, 'a'],
    ]);
    expect(s.readStates).toEqual([]);
    s.step(heartbeatResp(2, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([{ index: 2, context: 'a' }]);
  });

  it('writes nothing to the log', () => {
    const s = leader();
    const last = s.raft.log.lastIndex();
    s.node.readIndex('a');
    s.step(heartbeatResp(2, 1, 2, 'a'));
    let rd = s.ready();
    for (; rd !== null; rd = s.ready()) expect(rd.entries).toEqual([]);
    expect(s.raft.log.lastIndex()).toBe(last);
    expect(s.storage.lastIndex()).toBe(last);
    expect(s.readStates).toHaveLength(1);
  });

  it('answers to heartbeats sent before the request, or for no read, do not confirm it', () => {
    const s = leader();
    s.step(heartbeatResp(2, 1, 2, ''));
    s.node.readIndex('a');
    s.step(heartbeatResp(2, 1, 2, ''), heartbeatResp(3, 1, 2, 'other'));
    s.flush();
    expect(s.readStates).toEqual([]);
  });

  it('needs a majority of voters: in five, two followers; learners do not count', () => {
    const s = leader([1, 2, 3, 4, 5], [6, 7]);
    s.node.readIndex('a');
    s.step(heartbeatResp(2, 1, 2, 'a'), heartbeatResp(6, 1, 2, 'a'), heartbeatResp(7, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([]);
    s.step(heartbeatResp(3, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([{ index: 2, context: 'a' }]);
  });

  it('keeps the commit index it had when the read arrived, even if more commits before it is confirmed', () => {
    const s = leader();
    s.node.readIndex('a');
    s.flush();
    s.node.propose(bytes('w'));
    s.flush();
    s.ackAll();
    expect(s.raft.log.committed).toBe(3);
    s.step(heartbeatResp(2, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([{ index: 2, context: 'a' }]);
  });

  it('a confirmation of a later read confirms the earlier ones too, answered in order', () => {
    const s = leader();
    s.node.readIndex('a');
    s.node.readIndex('b');
    s.flush();
    s.step(heartbeatResp(3, 1, 2, 'b'));
    s.flush();
    expect(s.readStates.map((r) => r.context)).toEqual(['a', 'b']);
  });

  it('a single voter answers at once', () => {
    const s = new Solo(1, { voters: [1], terms: [1], term: 1, commit: 1 });
    s.elect();
    s.node.readIndex('a');
    s.flush();
    expect(s.readStates).toEqual([{ index: s.raft.log.committed, context: 'a' }]);
  });
});

describe('ReadIndex on a new leader waits until it has committed an entry of its term', () => {
  it('no heartbeat goes out for the read until the no-op commits; then it is answered at the new commit index', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 1], term: 1, commit: 1 });
    s.elect(); // no-op at index 3, not yet committed
    s.node.readIndex('a');
    s.tick(3); // even heartbeats on the tick do not carry it
    const before = s.flush();
    expect(only(before, 'heartbeat').filter((m) => m.context === 'a')).toEqual([]);
    s.step(heartbeatResp(2, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([]);

    s.step(appendResp(2, 1, 2, 3));
    expect(s.raft.log.committed).toBe(3);
    const after = s.flush();
    expect(only(after, 'heartbeat').map((m) => m.context)).toEqual(['a', 'a']);
    s.step(heartbeatResp(3, 1, 2, 'a'));
    s.flush();
    // Index 2 was committed by the previous leader for all this one knew: the read waits for 3.
    expect(s.readStates).toEqual([{ index: 3, context: 'a' }]);
  });
});

describe('ReadIndex from a follower', () => {
  it('is forwarded to the leader, confirmed there, and answered to the follower', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'x');
    const commit = net.raft(1).log.committed;
    const last = net.raft(1).log.lastIndex();
    const from = net.delivered.length;
    net.member(2).node.readIndex('f');
    net.stabilize();
    expect(net.member(2).readStates).toEqual([{ index: commit, context: 'f' }]);
    const traffic = net.delivered.slice(from).map((m) => `${m.type} ${m.from}>${m.to}`);
    expect(traffic[0]).toBe('readIndex 2>1');
    expect(traffic).toContain('heartbeatResp 3>1');
    expect(traffic.at(-1)).toBe('readIndexResp 1>2');
    for (const id of [1, 2, 3]) expect(net.raft(id).log.lastIndex()).toBe(last);
  });

  it('a follower that knows no leader refuses the read', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 });
    expect(() => s.node.readIndex('f')).toThrow(ProposalDroppedError);
  });

  it('a follower passes on a read that reached it to its leader', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.step(heartbeat(1, 2, 1));
    s.flush();
    s.step({ type: 'readIndex', from: 3, to: 2, term: 0, context: 'r' });
    const [fwd] = only(s.flush(), 'readIndex', 1);
    // The leader answers the member that asked.
    expect(fwd).toMatchObject({ from: 3, context: 'r' });
  });
});

describe('ReadIndex is never answered by a leader that was deposed', () => {
  it('a leader cut off from the majority gets no confirmation', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.member(1).node.readIndex('stale');
    net.stabilize();
    net.tick(1, 3);
    expect(net.member(1).readStates).toEqual([]);
  });

  it('a read pending when the leader steps down is dropped, even if confirmations arrive later', () => {
    const s = leader();
    s.node.readIndex('a');
    s.flush();
    s.step(heartbeat(3, 1, 3)); // a leader of term 3 exists
    expect(s.raft.role).toBe('follower');
    s.step(heartbeatResp(2, 1, 2, 'a'));
    s.flush();
    expect(s.readStates).toEqual([]);
  });
});

describe('ReadIndex on a leader that is the only voter', () => {
  // A member that became the only voter by a removal may not yet know the commit index of the leader
  // it replaces: even a single voter answers reads only once it has committed an entry of its term
  // (its no-op commits at its first advance), and then at once, as no heartbeat round is needed.
  it('sees every write the previous leader acknowledged', () => {
    const net = new TestNetwork([1, 2]);
    net.elect(1);
    const one = net.member(1);
    const two = net.member(2);
    const handle = (m: typeof one): Message[] => handleReady(m.node, m.storage, m.applied, m.readStates)?.messages.slice() ?? [];
    const deliver = (msgs: Message[], to: typeof one): Message[] => {
      for (const m of msgs) if (m.to === to.id) to.node.step(m);
      return handle(to);
    };

    // Leader 1 removes itself, then takes a write x; each goes to 2 in its own append.
    one.node.proposeConfChange({ type: 'removeNode', nodeId: 1 });
    const sendRemoval = handle(one);
    one.node.propose(bytes('x'));
    const sendX = handle(one);
    const x = raftOf(one.node).log.lastIndex();
    const ackRemoval = deliver(sendRemoval, two);
    const ackX = deliver(sendX, two);

    // The removal commits; the Ready that says so also tells 2, which applies it: 2 is now alone.
    for (const m of ackRemoval) one.node.step(m);
    const rd = one.node.ready();
    one.storage.append(rd.entries);
    if (rd.hardState) one.storage.setHardState(rd.hardState);
    deliver(rd.messages.slice(), two);
    expect(two.node.status().confState.voters).toEqual([2]);
    // Before 1 applies the removal, 2's acknowledgement of x arrives: x commits under {1, 2}.
    for (const m of ackX) one.node.step(m);
    for (const e of rd.committedEntries) if (e.type === 'confChange') one.node.applyConfChange(e);
    one.node.advance();
    const lastWords = handle(one); // 1 applies x, acknowledging it to its client, and hands over
    expect(one.applied.map((e) => e.index)).toContain(x);
    expect(raftOf(one.node).role).toBe('follower');

    // The append that carried the new commit index is lost; the TimeoutNow arrives, and a read
    // right after it, before 2 has handled the Ready of its election.
    for (const m of only(lastWords, 'timeoutNow', 2)) two.node.step(m);
    expect(raftOf(two.node).role).toBe('leader');
    two.node.readIndex('after x');
    while (two.node.hasReady()) handle(two);
    const [read] = two.readStates;
    expect(read).toBeDefined();
    // The read may be served once 2 has applied read.index: that must include x.
    expect(read!.index).toBeGreaterThanOrEqual(x);
  });
});
