// The peer message codec: every message type survives encode → decode exactly, the layout is
// pinned by a few known encodings, and bytes that are not one message are refused with a typed error.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message, MessageType } from '../../raft/messages.js';
import { BadMessageError, MessageInvalidError } from '../../rpc/peer-errors.js';
import { decodeMessage, encodeMessage, encodeMessages } from '../../rpc/peer-message-codec.js';
import { arbitraryMessage, sampleMessages } from './peer-test-messages.js';

const ALL_TYPES: readonly MessageType[] = [
  'append',
  'appendResp',
  'vote',
  'preVote',
  'voteResp',
  'preVoteResp',
  'snapshot',
  'heartbeat',
  'heartbeatResp',
  'timeoutNow',
  'transferLeader',
  'propose',
  'readIndex',
  'readIndexResp',
];

describe('round trip', () => {
  it.each(ALL_TYPES)('a %s message decodes to what was encoded', (type) => {
    const samples = sampleMessages().filter((m) => m.type === type);
    expect(samples.length).toBeGreaterThan(0);
    for (const m of samples) expect(decodeMessage(encodeMessage(m))).toStrictEqual(m);
  });

  it('holds for arbitrary messages of every type', () => {
    fc.assert(
      fc.property(arbitraryMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toStrictEqual(m);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes from a view into a larger buffer', () => {
    for (const m of sampleMessages()) {
      const bytes = encodeMessage(m);
      const padded = new Uint8Array(bytes.length + 7);
      padded.set(bytes, 3);
      expect(decodeMessage(padded.subarray(3, 3 + bytes.length))).toStrictEqual(m);
    }
  });
});

describe('encoding several messages at once', () => {
  it('gives one view per message, in order, each decoding to its message', () => {
    const messages = sampleMessages();
    const views = encodeMessages(messages, () => {
      throw new Error('all samples encode');
    });
    expect(views.map((v) => decodeMessage(v))).toStrictEqual(messages);
    expect(views.map((v) => [...v])).toEqual(messages.map((m) => [...encodeMessage(m)]));
  });

  it('leaves out a message that cannot be encoded and says which', () => {
    const bad: Message = { type: 'timeoutNow', from: 1, to: -2, term: 1 };
    const [first, second] = sampleMessages() as [Message, Message];
    const invalid: Message[] = [];
    const views = encodeMessages([first, bad, second], (m, error) => {
      expect(error).toBeInstanceOf(MessageInvalidError);
      invalid.push(m);
    });
    expect(invalid).toEqual([bad]);
    expect(views.map((v) => decodeMessage(v))).toStrictEqual([first, second]);
  });
});

describe('the layout', () => {
  it('is a tag byte, from, to, term, then the fields of the type', () => {
    const heartbeat: Message = { type: 'heartbeat', from: 1, to: 2, term: 3, commit: 300, context: 'x' };
    expect([...encodeMessage(heartbeat)]).toEqual([8, 1, 2, 3, 0xac, 0x02, 1, 0x78]);
    const timeoutNow: Message = { type: 'timeoutNow', from: 5, to: 6, term: 7 };
    expect([...encodeMessage(timeoutNow)]).toEqual([10, 5, 6, 7]);
  });

  it('leaves out the indexes of an append’s entries', () => {
    const append: Message = {
      type: 'append',
      from: 1,
      to: 2,
      term: 4,
      prevIndex: 9,
      prevTerm: 3,
      commit: 8,
      entries: [
        { type: 'normal', term: 4, index: 10, data: new Uint8Array([0xaa]) },
        { type: 'normal', term: 4, index: 11, data: new Uint8Array([]) },
      ],
    };
    // tag from to term | prevIndex prevTerm commit count | len kind term data | len kind term
    expect([...encodeMessage(append)]).toEqual([1, 1, 2, 4, 9, 3, 8, 2, 3, 1, 4, 0xaa, 2, 1, 4]);
  });
});

describe('refused input', () => {
  const heartbeat = encodeMessage({ type: 'heartbeat', from: 1, to: 2, term: 3, commit: 4, context: 'ctx' });

  it('an unknown tag', () => {
    expect(() => decodeMessage(new Uint8Array([99, 1, 2, 3]))).toThrow(BadMessageError);
    expect(() => decodeMessage(new Uint8Array([0, 1, 2, 3]))).toThrow(/unknown message tag 0/);
  });

  it('an empty buffer', () => {
    expect(() => decodeMessage(new Uint8Array())).toThrow(BadMessageError);
  });

  it('every truncation of a message', () => {
    for (const m of sampleMessages()) {
      const bytes = encodeMessage(m);
      for (let n = 0; n < bytes.length; n++) {
        expect(() => decodeMessage(bytes.subarray(0, n)), `${m.type} cut to ${n} bytes`).toThrow(BadMessageError);
      }
    }
  });

  it('trailing bytes', () => {
    const longer = new Uint8Array(heartbeat.length + 1);
    longer.set(heartbeat);
    expect(() => decodeMessage(longer)).toThrow(/trailing/);
  });

  it('a flag byte other than 0 or 1', () => {
    const bytes = encodeMessage({ type: 'voteResp', from: 1, to: 2, term: 3, reject: true });
    bytes[bytes.length - 1] = 2;
    expect(() => decodeMessage(bytes)).toThrow(BadMessageError);
  });

  it('a count larger than the bytes that follow, before allocating', () => {
    // propose from 1 to 2, term 0, with 2^40 entries claimed.
    const bytes = new Uint8Array([12, 1, 2, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    expect(() => decodeMessage(bytes)).toThrow(/count/);
  });

  it('a context that is not UTF-8', () => {
    const bytes = encodeMessage({ type: 'readIndex', from: 1, to: 2, term: 3, context: 'ab' });
    bytes[bytes.length - 1] = 0xff;
    expect(() => decodeMessage(bytes)).toThrow(BadMessageError);
  });
});

describe('messages Raft could not have produced', () => {
  it('an append whose entries do not follow prevIndex', () => {
    const m: Message = {
      type: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevIndex: 5,
      prevTerm: 1,
      commit: 0,
      entries: [{ type: 'normal', term: 1, index: 7, data: new Uint8Array() }],
    };
    expect(() => encodeMessage(m)).toThrow(MessageInvalidError);
  });

  it('an id that is not a safe integer', () => {
    const m: Message = { type: 'timeoutNow', from: 1, to: 2 ** 60, term: 1 };
    expect(() => encodeMessage(m)).toThrow(MessageInvalidError);
  });
});
