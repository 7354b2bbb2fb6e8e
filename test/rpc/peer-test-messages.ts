// Raft messages for the peer transport's tests: a fixed sample of every type, and a fast-check
// arbitrary that produces any message Raft could send (append entries follow prevIndex).

import fc from 'fast-check';
import type { Message, ProposedEntry } from '../../raft/messages.js';
import type { ConfChange, ConfState, Entry } from '../../raft/types.js';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

export function sampleMessages(): Message[] {
  const change: ConfChange = { type: 'addVoter', nodeId: 4, context: bytes(1, 2, 3) };
  const confState: ConfState = { voters: [1, 2, 3], learners: [7] };
  return [
    { type: 'append', from: 1, to: 2, term: 5, prevIndex: 0, prevTerm: 0, commit: 0, entries: [] },
    {
      type: 'append',
      from: 1,
      to: 2,
      term: 5,
      prevIndex: 41,
      prevTerm: 4,
      commit: 40,
      entries: [
        { type: 'normal', term: 5, index: 42, data: bytes() },
        { type: 'normal', term: 5, index: 43, data: bytes(0, 255, 128) },
        { type: 'confChange', term: 5, index: 44, change },
        { type: 'confChange', term: 5, index: 45, change: { type: 'removeNode', nodeId: 3 } },
      ],
    },
    { type: 'appendResp', from: 2, to: 1, term: 5, index: 45, reject: false, rejectHint: 0, rejectTerm: 0 },
    { type: 'appendResp', from: 2, to: 1, term: 5, index: 41, reject: true, rejectHint: 30, rejectTerm: 3 },
    { type: 'vote', from: 3, to: 1, term: 6, lastIndex: 45, lastTerm: 5, transfer: false },
    { type: 'preVote', from: 3, to: 2, term: 7, lastIndex: 45, lastTerm: 5, transfer: true },
    { type: 'voteResp', from: 1, to: 3, term: 6, reject: false },
    { type: 'preVoteResp', from: 2, to: 3, term: 7, reject: true },
    { type: 'snapshot', from: 1, to: 3, term: 5, snapshot: { meta: { index: 100, term: 5, confState }, data: bytes(9, 8, 7) } },
    {
      type: 'snapshot',
      from: 1,
      to: 3,
      term: 5,
      snapshot: { meta: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: bytes() },
    },
    { type: 'heartbeat', from: 1, to: 2, term: 5, commit: 45, context: '' },
    { type: 'heartbeat', from: 1, to: 2, term: 5, commit: 45, context: 'read-17 ✓' },
    { type: 'heartbeatResp', from: 2, to: 1, term: 5, context: 'read-17 ✓' },
    { type: 'timeoutNow', from: 1, to: 2, term: 5 },
    { type: 'transferLeader', from: 2, to: 1, term: 5, transferee: 3 },
    { type: 'propose', from: 2, to: 1, term: 0, entries: [] },
    {
      type: 'propose',
      from: 2,
      to: 1,
      term: 0,
      entries: [
        { type: 'normal', data: bytes(1) },
        { type: 'confChange', change },
        { type: 'confChange', change: { type: 'addLearner', nodeId: 9 } },
      ],
    },
    { type: 'readIndex', from: 2, to: 1, term: 0, context: 'r1' },
    { type: 'readIndexResp', from: 1, to: 2, term: 5, index: 45, context: 'r1' },
    // The largest values a varint carries.
    {
      type: 'appendResp',
      from: Number.MAX_SAFE_INTEGER,
      to: Number.MAX_SAFE_INTEGER - 1,
      term: Number.MAX_SAFE_INTEGER,
      index: Number.MAX_SAFE_INTEGER,
      reject: true,
      rejectHint: Number.MAX_SAFE_INTEGER,
      rejectTerm: Number.MAX_SAFE_INTEGER,
    },
  ];
}

const id = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const num = fc.oneof(fc.nat(300), fc.maxSafeNat());
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const data = fc.uint8Array({ maxLength: 40 });

const confChange: fc.Arbitrary<ConfChange> = fc.record(
  {
    type: fc.constantFrom('addVoter', 'addLearner', 'removeNode'),
    nodeId: id,
    context: fc.uint8Array({ maxLength: 12 }),
  },
  { requiredKeys: ['type', 'nodeId'] },
);

const confState: fc.Arbitrary<ConfState> = fc.record({
  voters: fc.array(id, { maxLength: 5 }),
  learners: fc.array(id, { maxLength: 3 }),
});

const envelope = { from: id, to: id, term: num };

const append: fc.Arbitrary<Message> = fc
  .record({
    ...envelope,
    prevIndex: fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 10 })),
    prevTerm: num,
    commit: num,
    entries: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('normal' as const), term: num, data }),
        fc.record({ type: fc.constant('confChange' as const), term: num, change: confChange }),
      ),
      { maxLength: 6 },
    ),
  })
  .map(({ entries, ...rest }) => ({
    type: 'append' as const,
    ...rest,
    entries: entries.map((e, i): Entry => ({ ...e, index: rest.prevIndex + 1 + i })),
  }));

const proposed: fc.Arbitrary<ProposedEntry> = fc.oneof(
  fc.record({ type: fc.constant('normal' as const), data }),
  fc.record({ type: fc.constant('confChange' as const), change: confChange }),
);

const anyMessage: fc.Arbitrary<Message> = fc.oneof(
  append,
  fc.record({ type: fc.constant('appendResp' as const), ...envelope, index: num, reject: fc.boolean(), rejectHint: num, rejectTerm: num }),
  fc.record({ type: fc.constantFrom('vote' as const, 'preVote' as const), ...envelope, lastIndex: num, lastTerm: num, transfer: fc.boolean() }),
  fc.record({ type: fc.constantFrom('voteResp' as const, 'preVoteResp' as const), ...envelope, reject: fc.boolean() }),
  fc.record({
    type: fc.constant('snapshot' as const),
    ...envelope,
    snapshot: fc.record({ meta: fc.record({ index: num, term: num, confState }), data }),
  }),
  fc.record({ type: fc.constant('heartbeat' as const), ...envelope, commit: num, context: text }),
  fc.record({ type: fc.constant('heartbeatResp' as const), ...envelope, context: text }),
  fc.record({ type: fc.constant('timeoutNow' as const), ...envelope }),
  fc.record({ type: fc.constant('transferLeader' as const), ...envelope, transferee: id }),
  fc.record({ type: fc.constant('propose' as const), ...envelope, entries: fc.array(proposed, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('readIndex' as const), ...envelope, context: text }),
  fc.record({ type: fc.constant('readIndexResp' as const), ...envelope, index: num, context: text }),
);

/** As plain objects (fast-check's records have no prototype), so toStrictEqual compares fields only. */
export const arbitraryMessage: fc.Arbitrary<Message> = anyMessage.map((m) => structuredClone(m));
