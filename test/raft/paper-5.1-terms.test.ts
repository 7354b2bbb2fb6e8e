// §5.1 and Figure 2, "Rules for all servers": terms act as a logical clock. A member that sees a
// higher term adopts it and becomes a follower; a request carrying a stale term is refused.
import { describe, expect, it } from 'vitest';
import { NONE, type Message, type Role } from '../../raft/index.js';
import { append, appendResp, heartbeat, only, Solo, voteReq, voteResp, type Overrides } from './helpers.js';

/** Member 1 of {1, 2, 3} with log [1:1], brought into the given role (term 1, or 2 once it campaigned). */
function memberIn(role: Role, config: Overrides = {}): Solo {
  const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 }, config);
  s.flush();
  if (role === 'leader') s.elect();
  if (role === 'candidate' || role === 'preCandidate') {
    s.node.campaign();
    if (role === 'candidate' && s.raft.role === 'preCandidate') s.step(voteResp(2, 1, 2, { pre: true }));
    s.flush();
  }
  expect(s.raft.role).toBe(role);
  return s;
}

describe('§5.1: a message with a higher term makes any member a follower in that term', () => {
  // With check-quorum on, a leader ignores vote requests while its lease holds (see
  // prevote-checkquorum.test.ts); these cases switch it off to check the rule of Figure 2 itself.
  const messages: [string, Message, number][] = [
    ['an append', append(2, 1, 5, 1, 1), 2],
    ['a heartbeat', heartbeat(2, 1, 5), 2],
    ['a vote request', voteReq(2, 1, 5, 9, 9), NONE],
    ['an append response', appendResp(2, 1, 5, 1), NONE],
    ['a vote response', voteResp(2, 1, 5, { reject: true }), NONE],
  ];
  const roles: Role[] = ['follower', 'preCandidate', 'candidate', 'leader'];
  for (const role of roles) {
    for (const [what, m, lead] of messages) {
      it(`a ${role} receiving ${what} of term 5`, () => {
        const s = memberIn(role, { checkQuorum: false });
        s.step(m);
        expect(s.raft.role).toBe('follower');
        expect(s.raft.term).toBe(5);
        // Only a message from the leader of the new term tells who leads it.
        expect(s.raft.lead).toBe(lead);
        // The new term is persisted before anything is sent.
        const rd = s.ready()!;
        expect(rd.hardState?.term).toBe(5);
        expect(rd.mustSync).toBe(true);
      });
    }
  }

  it('the vote of the old term does not carry over into the new one', () => {
    const s = memberIn('candidate');
    expect(s.raft.vote).toBe(1);
    s.step(heartbeat(3, 1, 7));
    expect(s.raft.vote).toBe(NONE);
    s.flush();
    expect(s.storage.hardStateNow()).toMatchObject({ term: 7, vote: NONE });
  });
});

describe('§5.1: a request with a stale term is refused', () => {
  it('a follower does not accept an append from a leader of an older term, and tells it the newer term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 2], term: 3 });
    s.flush();
    s.step(append(2, 1, 2, 2, 2, [{ type: 'normal', index: 3, term: 2, data: new Uint8Array([1]) }], 3));
    const out = s.flush();
    expect(s.logTerms()).toEqual([1, 2]);
    expect(s.raft.log.committed).toBe(0);
    expect(s.raft.lead).toBe(NONE);
    // The answer carries term 3, so the stale leader learns it was deposed.
    const resp = only(out, 'appendResp', 2);
    expect(resp).toHaveLength(1);
    expect(resp[0]!.term).toBe(3);
  });

  it('a stale leader that hears the newer term steps down', () => {
    const s = memberIn('leader');
    const term = s.raft.term;
    s.step(appendResp(2, 1, term + 1, 0));
    expect(s.raft.role).toBe('follower');
    expect(s.raft.term).toBe(term + 1);
  });

  it('a vote request of an older term is not granted', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 3 });
    s.flush();
    s.step(voteReq(2, 1, 2, 5, 2));
    const out = s.flush();
    expect(only(out, 'voteResp').filter((m) => !m.reject)).toEqual([]);
    expect(s.raft.vote).toBe(NONE);
    expect(s.raft.term).toBe(3);
  });

  it('a candidate does not count a vote granted in an older term', () => {
    const s = new Solo(1, { voters: [1, 2, 3, 4, 5], terms: [1], term: 3 }, { preVote: false });
    s.node.campaign();
    expect(s.raft.term).toBe(4);
    s.step(voteResp(2, 1, 3), voteResp(3, 1, 3));
    expect(s.raft.role).toBe('candidate');
    s.step(voteResp(2, 1, 4), voteResp(3, 1, 4));
    expect(s.raft.role).toBe('leader');
  });

  it('a leader ignores acknowledgements from an older term', () => {
    const s = memberIn('leader');
    const before = s.raft.trk.progress.get(2)!.match;
    s.step(appendResp(2, 1, s.raft.term - 1, s.raft.log.lastIndex()));
    expect(s.raft.trk.progress.get(2)!.match).toBe(before);
    expect(s.raft.role).toBe('leader');
  });
});
