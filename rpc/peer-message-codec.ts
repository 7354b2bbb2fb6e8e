// The binary form of a Raft message between members: one tag byte naming the type (which also
// fixes the layout: a later layout takes a new tag), then from, to and term as varints, then the
// type's own fields. Entries use the store's entry codec, so the log has one binary form on disk
// and on the wire. Contexts are UTF-8.
//
// An append's entries are consecutive from prevIndex + 1 (Raft never sends anything else), so
// their indexes are not sent; the encoder refuses an append that breaks this rule.
//
// Decoded byte fields (entry data, snapshot data) are views into the bytes given to decodeMessage:
// no copy on the hot path.

import type { Message, MessageType, ProposedEntry } from '../raft/messages.js';
import type { Entry } from '../raft/types.js';
import { ByteReader } from '../store/codec/byte-reader.js';
import { ByteWriter } from '../store/codec/byte-writer.js';
import { decodeEntry, encodeEntry, readConfState, writeConfState } from '../store/codec/raft-codec.js';
import { BadMessageError, MessageInvalidError } from './peer-errors.js';

/** Wire tags. Never renumber one, never reuse a retired one. */
const TAGS = {
  append: 1,
  appendResp: 2,
  vote: 3,
  preVote: 4,
  voteResp: 5,
  preVoteResp: 6,
  snapshot: 7,
  heartbeat: 8,
  heartbeatResp: 9,
  timeoutNow: 10,
  transferLeader: 11,
  propose: 12,
  readIndex: 13,
  readIndexResp: 14,
} as const satisfies Record<MessageType, number>;

const TYPE_BY_TAG: readonly (MessageType | undefined)[] = (() => {
  const table: (MessageType | undefined)[] = [];
  for (const [type, tag] of Object.entries(TAGS)) table[tag] = type as MessageType;
  return table;
})();

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Throws MessageInvalidError for a message Raft could not have produced (e.g. unsafe integers). */
export function encodeMessage(m: Message): Uint8Array {
  try {
    return writeMessage(new ByteWriter(initialSize(m)), m).finish();
  } catch (e) {
    throw asInvalid(m, e);
  }
}

function asInvalid(m: Message, e: unknown): MessageInvalidError {
  if (e instanceof MessageInvalidError) return e;
  return new MessageInvalidError(`${m.type} from ${m.from} to ${m.to}: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * Encodes several messages into one buffer and returns a view of each, in order: one allocation
 * for the lot instead of one per message, which is most of the cost of encoding small messages. A
 * message that cannot be encoded is handed to `onInvalid` and left out.
 */
export function encodeMessages(
  messages: readonly Message[],
  onInvalid: (m: Message, error: MessageInvalidError) => void,
): Uint8Array[] {
  let size = 0;
  for (const m of messages) size += initialSize(m);
  const w = new ByteWriter(size);
  const bounds: number[] = [];
  for (const m of messages) {
    const start = w.length;
    try {
      writeMessage(w, m);
      bounds.push(start, w.length);
    } catch (e) {
      // Its partial bytes stay in the buffer, unreferenced.
      onInvalid(m, asInvalid(m, e));
    }
  }
  const buffer = w.finish();
  const views = new Array<Uint8Array>(bounds.length / 2);
  for (let i = 0; i < views.length; i++) views[i] = buffer.subarray(bounds[2 * i]!, bounds[2 * i + 1]!);
  return views;
}

/** Throws BadMessageError for bytes that are not exactly one encoded message. */
export function decodeMessage(bytes: Uint8Array): Message {
  try {
    const r = new ByteReader(bytes);
    const m = readMessage(r);
    r.end();
    return m;
  } catch (e) {
    if (e instanceof BadMessageError) throw e;
    throw new BadMessageError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

function writeMessage(w: ByteWriter, m: Message): ByteWriter {
  w.u8(TAGS[m.type]).uvarint(m.from).uvarint(m.to).uvarint(m.term);
  switch (m.type) {
    case 'append': {
      w.uvarint(m.prevIndex).uvarint(m.prevTerm).uvarint(m.commit).uvarint(m.entries.length);
      let expected = m.prevIndex + 1;
      for (const e of m.entries) {
        if (e.index !== expected) throw new MessageInvalidError(`append entry ${e.index} does not follow ${expected - 1}`);
        w.bytes(encodeEntry(e));
        expected++;
      }
      return w;
    }
    case 'appendResp':
      return w.uvarint(m.index).u8(m.reject ? 1 : 0).uvarint(m.rejectHint).uvarint(m.rejectTerm);
    case 'vote':
    case 'preVote':
      return w.uvarint(m.lastIndex).uvarint(m.lastTerm).u8(m.transfer ? 1 : 0);
    case 'voteResp':
    case 'preVoteResp':
      return w.u8(m.reject ? 1 : 0);
    case 'snapshot': {
      const { meta, data } = m.snapshot;
      w.uvarint(meta.index).uvarint(meta.term);
      return writeConfState(w, meta.confState).bytes(data);
    }
    case 'heartbeat':
      return w.uvarint(m.commit).bytes(utf8Encoder.encode(m.context));
    case 'heartbeatResp':
    case 'readIndex':
      return w.bytes(utf8Encoder.encode(m.context));
    case 'readIndexResp':
      return w.uvarint(m.index).bytes(utf8Encoder.encode(m.context));
    case 'timeoutNow':
      return w;
    case 'transferLeader':
      return w.uvarint(m.transferee);
    case 'propose':
      w.uvarint(m.entries.length);
      // A proposal is an entry without a place in the log yet: the entry codec with term 0.
      for (const p of m.entries) w.bytes(encodeEntry(proposalAsEntry(p)));
      return w;
    default:
      return unreachable(m);
  }
}

function readMessage(r: ByteReader): Message {
  const tag = r.u8();
  const type = TYPE_BY_TAG[tag];
  if (type === undefined) throw new BadMessageError(`unknown message tag ${tag}`);
  const from = r.uvarint();
  const to = r.uvarint();
  const term = r.uvarint();
  switch (type) {
    case 'append': {
      const prevIndex = r.uvarint();
      const prevTerm = r.uvarint();
      const commit = r.uvarint();
      const count = readCount(r);
      const entries: Entry[] = new Array<Entry>(count);
      for (let i = 0; i < count; i++) entries[i] = decodeEntry(prevIndex + 1 + i, r.bytes());
      return { type, from, to, term, prevIndex, prevTerm, entries, commit };
    }
    case 'appendResp': {
      const index = r.uvarint();
      const reject = readBool(r);
      return { type, from, to, term, index, reject, rejectHint: r.uvarint(), rejectTerm: r.uvarint() };
    }
    case 'vote':
    case 'preVote': {
      const lastIndex = r.uvarint();
      const lastTerm = r.uvarint();
      return { type, from, to, term, lastIndex, lastTerm, transfer: readBool(r) };
    }
    case 'voteResp':
    case 'preVoteResp':
      return { type, from, to, term, reject: readBool(r) };
    case 'snapshot': {
      const index = r.uvarint();
      const snapTerm = r.uvarint();
      const confState = readConfState(r);
      return { type, from, to, term, snapshot: { meta: { index, term: snapTerm, confState }, data: r.bytes() } };
    }
    case 'heartbeat': {
      const commit = r.uvarint();
      return { type, from, to, term, commit, context: readString(r) };
    }
    case 'heartbeatResp':
    case 'readIndex':
      return { type, from, to, term, context: readString(r) };
    case 'readIndexResp': {
      const index = r.uvarint();
      return { type, from, to, term, index, context: readString(r) };
    }
    case 'timeoutNow':
      return { type, from, to, term };
    case 'transferLeader':
      return { type, from, to, term, transferee: r.uvarint() };
    case 'propose': {
      const count = readCount(r);
      const entries: ProposedEntry[] = new Array<ProposedEntry>(count);
      for (let i = 0; i < count; i++) entries[i] = entryAsProposal(decodeEntry(0, r.bytes()));
      return { type, from, to, term, entries };
    }
    default:
      return unreachable(type);
  }
}

function proposalAsEntry(p: ProposedEntry): Entry {
  return p.type === 'normal'
    ? { type: 'normal', term: 0, index: 0, data: p.data }
    : { type: 'confChange', term: 0, index: 0, change: p.change };
}

function entryAsProposal(e: Entry): ProposedEntry {
  if (e.term !== 0) throw new BadMessageError('a proposed entry carries a term');
  return e.type === 'normal' ? { type: 'normal', data: e.data } : { type: 'confChange', change: e.change };
}

/** A count of items each at least one byte long cannot exceed the bytes left: refuse before allocating. */
function readCount(r: ByteReader): number {
  const n = r.uvarint();
  if (n > r.remaining) throw new BadMessageError(`count ${n} exceeds the ${r.remaining} bytes left`);
  return n;
}

function readBool(r: ByteReader): boolean {
  const b = r.u8();
  if (b > 1) throw new BadMessageError(`flag byte ${b} is neither 0 nor 1`);
  return b === 1;
}

function readString(r: ByteReader): string {
  return utf8Decoder.decode(r.bytes());
}

/** Enough for the fixed fields and the bulk of the payload, so the writer rarely grows. */
function initialSize(m: Message): number {
  switch (m.type) {
    case 'append': {
      let n = 48;
      for (const e of m.entries) n += 24 + (e.type === 'normal' ? e.data.length : (e.change.context?.length ?? 0));
      return n;
    }
    case 'snapshot':
      return 64 + m.snapshot.data.length + 10 * (m.snapshot.meta.confState.voters.length + m.snapshot.meta.confState.learners.length);
    case 'propose': {
      let n = 32;
      for (const p of m.entries) n += 24 + (p.type === 'normal' ? p.data.length : (p.change.context?.length ?? 0));
      return n;
    }
    default:
      return 64;
  }
}

function unreachable(x: never): never {
  throw new MessageInvalidError(`unexpected message ${JSON.stringify(x)}`);
}
