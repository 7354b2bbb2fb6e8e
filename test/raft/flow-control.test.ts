// Flow control and batching on the leader. A follower being probed gets one append at a time until
// its match point is found; one that is replicating gets appends pipelined, at most maxInflightMsgs
// (and maxInflightBytes) unacknowledged, more as acknowledgements come back. Proposals between two
// Readys leave together, split only by maxSizePerMsg.
import { describe, expect, it } from 'vitest';
import { entrySize, ProposalDroppedError } from '../../raft/index.js';
import { Inflights } from '../../raft/inflights.js';
import { appendResp, heartbeatResp, only, Solo, type Overrides } from './helpers.js';
import { bytes } from './network.js';

const ONE_BYTE = entrySize({ type: 'normal', term: 1, index: 1, data: new Uint8Array(1) });

/** Leader 1 of {1, 2, 3} in term 2 with its no-op (index 2) acknowledged by the given followers. */
function leader(config: Overrides, acked: number[] = [2, 3]): Solo {
  const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 }, config);
  s.elect();
  s.ackAll(acked);
  return s;
}

function proposeEach(s: Solo, n: number): void {
  for (let i = 0; i < n; i++) s.node.propose(bytes(String(i % 10)));
}

/** The [first, last] entry index of each append. */
function ranges(msgs: ReturnType<typeof only<'append'>>): [number, number][] {
  return msgs.map((m) => [m.entries[0]?.index ?? 0, m.entries.at(-1)?.index ?? 0]);
}

/**
 * Acknowledges member 2's appends one at a time, oldest first, until it holds `last`; checks after
 * every Ready that the appends are contiguous, that at most `window` are unacknowledged, and that
 * something is in flight while anything is missing.
 */
function replicateTo(s: Solo, last: number, window: number): [number, number][] {
  const sent: [number, number][] = [];
  let acked = s.node.status().progress.get(2)!.match;
  for (let guard = 0; acked < last && guard < 100; guard++) {
    // Empty appends only carry the commit index.
    for (const r of ranges(only(s.flush(), 'append', 2).filter((m) => m.entries.length > 0))) {
      expect(r[0]).toBe((sent.at(-1)?.[1] ?? acked) + 1);
      sent.push(r);
    }
    const inFlight = sent.filter(([, hi]) => hi > acked);
    expect(inFlight.length).toBeLessThanOrEqual(window);
    expect(inFlight.length).toBeGreaterThan(0);
    acked = inFlight[0]![1];
    s.step(appendResp(2, 1, 2, acked));
  }
  expect(acked).toBe(last);
  return sent;
}

describe('a replicating follower: at most maxInflightMsgs appends in flight', () => {
  const oneEntryPerAppend: Overrides = { maxSizePerMsg: ONE_BYTE, maxInflightMsgs: 3 };

  it('never more than three appends unacknowledged; each acknowledgement lets the next go', () => {
    const s = leader(oneEntryPerAppend);
    proposeEach(s, 10); // indexes 3..12
    expect(replicateTo(s, 12, 3)).toHaveLength(10);
  });

  // The broadcast made when a Ready is built fills the window, as the acknowledgement path does:
  // a backlog longer than maxSizePerMsg does not wait a round trip for the rest.
  it('the Ready that carries ten new entries fills the window at once', () => {
    const s = leader(oneEntryPerAppend);
    proposeEach(s, 10);
    expect(ranges(only(s.flush(), 'append', 2))).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
  });

  it('a repeated acknowledgement frees nothing more', () => {
    const s = leader(oneEntryPerAppend);
    proposeEach(s, 10);
    s.flush();
    s.step(appendResp(2, 1, 2, 3));
    s.flush(); // the window is full again
    s.step(appendResp(2, 1, 2, 3));
    expect(only(s.flush(), 'append', 2)).toEqual([]);
  });

  it('maxInflightBytes caps the bytes in flight as well', () => {
    const s = leader({ maxSizePerMsg: ONE_BYTE, maxInflightMsgs: 100, maxInflightBytes: 2 * ONE_BYTE });
    proposeEach(s, 10);
    replicateTo(s, 12, 2);
  });

  it('a full window that moved since the last heartbeat keeps pipelining (the follower is busy, not lost)', () => {
    const s = leader(oneEntryPerAppend);
    proposeEach(s, 10);
    s.flush();
    s.step(appendResp(2, 1, 2, 3));
    s.flush(); // 4, 5 and 6 in flight: the window is full
    s.step(heartbeatResp(2, 1, 2));
    expect(s.node.status().progress.get(2)!.state).toBe('replicate');
  });

  it('a full window with no acknowledgement for a whole heartbeat is probed again (its appends may be lost)', () => {
    const s = leader(oneEntryPerAppend);
    proposeEach(s, 10);
    s.flush();
    s.step(appendResp(2, 1, 2, 3));
    s.flush(); // 4, 5 and 6 in flight: the window is full
    s.step(heartbeatResp(2, 1, 2));
    s.step(heartbeatResp(2, 1, 2)); // nothing acknowledged in between
    expect(s.node.status().progress.get(2)!.state).toBe('probe');
    expect(ranges(only(s.flush(), 'append', 2))).toEqual([[4, 4]]);
  });
});

describe('a follower being probed gets one append at a time', () => {
  it('nothing more until it answers; its answer switches it to replicating', () => {
    const s = leader({ maxSizePerMsg: ONE_BYTE, maxInflightMsgs: 3 }, [2]);
    expect(s.node.status().progress.get(3)).toMatchObject({ state: 'probe' });
    proposeEach(s, 5); // 3..7; the election's probe to 3 is still unanswered
    expect(only(s.flush(), 'append', 3)).toEqual([]);
    s.step(heartbeatResp(3, 1, 2));
    expect(ranges(only(s.flush(), 'append', 3))).toEqual([[2, 2]]);
    proposeEach(s, 1);
    expect(only(s.flush(), 'append', 3)).toEqual([]);
    s.step(appendResp(3, 1, 2, 2));
    expect(s.node.status().progress.get(3)!.state).toBe('replicate');
    expect(ranges(only(s.flush(), 'append', 3))).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
  });

  it('a rejection sends the next probe at once', () => {
    const s = leader({}, [2]);
    s.step(appendResp(3, 1, 2, 1, { hint: 0, hintTerm: 0 }));
    const [probe] = only(s.flush(), 'append', 3);
    expect(probe).toMatchObject({ prevIndex: 0, prevTerm: 0 });
    expect(probe!.entries.map((e) => e.index)).toEqual([1, 2]);
  });
});

describe('batching', () => {
  it('a proposal sends nothing by itself; the next Ready carries one append per follower with all of them', () => {
    const s = leader({});
    proposeEach(s, 10);
    expect(s.raft.msgs).toEqual([]);
    const out = s.flush();
    for (const to of [2, 3]) expect(ranges(only(out, 'append', to))).toEqual([[3, 12]]);
  });

  it('maxSizePerMsg splits a long backlog into appends of at most that size (one entry at least)', () => {
    const s = leader({ maxSizePerMsg: 3 * ONE_BYTE }, [2]);
    proposeEach(s, 10); // 3..12; follower 3 is still being probed
    s.flush();
    s.step(appendResp(3, 1, 2, 2));
    const appends = only(s.flush(), 'append', 3);
    expect(ranges(appends)).toEqual([
      [3, 5],
      [6, 8],
      [9, 11],
      [12, 12],
    ]);
  });

  it('an entry larger than maxSizePerMsg still goes, alone', () => {
    const s = leader({ maxSizePerMsg: ONE_BYTE });
    s.node.propose([new Uint8Array(100), bytes('x')]);
    expect(replicateTo(s, 4, 256)).toEqual([
      [3, 3],
      [4, 4],
    ]);
  });
});

describe('maxUncommittedEntriesSize', () => {
  it('drops proposals past the limit until entries commit; a single batch is always accepted', () => {
    const s = leader({ maxUncommittedEntriesSize: 2 * ONE_BYTE });
    s.node.propose(bytes('a'));
    s.node.propose(bytes('b'));
    expect(() => s.node.propose(bytes('c'))).toThrow(ProposalDroppedError);
    s.flush();
    s.ackAll();
    s.node.propose(bytes('c'));
    const big = leader({ maxUncommittedEntriesSize: 2 * ONE_BYTE });
    big.node.propose(new Uint8Array(1000));
  });
});

describe('Inflights', () => {
  it('counts appends and bytes, frees up to an index, and is full at either limit', () => {
    const inf = new Inflights(3, 100);
    inf.add(5, 10);
    inf.add(7, 10);
    expect(inf.full()).toBe(false);
    inf.add(9, 10);
    expect(inf.full()).toBe(true);
    inf.freeLE(6);
    expect([inf.count, inf.inflightBytes]).toEqual([2, 20]);
    inf.freeLE(9);
    expect([inf.count, inf.inflightBytes, inf.full()]).toEqual([0, 0, false]);
    inf.add(10, 100);
    expect(inf.full()).toBe(true);
    inf.reset();
    expect(inf.count).toBe(0);
  });

  it('stays correct over many more appends than its capacity', () => {
    const inf = new Inflights(4, 0);
    for (let i = 1; i <= 1000; i++) {
      inf.add(i, 1);
      if (i % 4 === 0) {
        expect(inf.full()).toBe(true);
        inf.freeLE(i - 1);
        expect(inf.count).toBe(1);
      }
    }
  });
});
