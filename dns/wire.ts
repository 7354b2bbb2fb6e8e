// One DNS message in, one out (or none): decoding, the header rules, and fitting the answer to the
// transport. Over UDP an answer fits in 512 bytes, or the EDNS0 payload size the query offers;
// what does not fit is left out — answers with their additional records, from the end — and TC
// is set (RFC 1035 4.2.1, RFC 6891 6.2.5), so the client asks again over TCP, where up to 65535
// bytes go. A message whose header cannot be read, or that is itself a response, is dropped; one
// whose header reads but whose body does not is answered FORMERR.
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Question } from 'dns-packet';
import type { Rcode } from './answer.js';
import { questionBytes, recordBytes } from './record-bytes.js';
import type { EncodedAnswer } from './responder.js';

export type Transport = 'udp' | 'tcp';

/** Answers one well-formed question. */
export type QuestionHandler = (question: Question) => EncodedAnswer;

const HEADER_BYTES = 12;
const QR = 1 << 15;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RCODES: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 };

/** RFC 1035's UDP limit, for a query without EDNS0. */
export const CLASSIC_UDP_BYTES = 512;
const MAX_MESSAGE_BYTES = 65535;

/** This server's OPT record, in replies to queries that carry one: it takes 4096-byte UDP replies. */
const SERVER_OPT = recordBytes({ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] });

/** The reply to `message`, or undefined to drop it. */
export function respond(message: Buffer, transport: Transport, handle: QuestionHandler): Buffer | undefined {
  if (message.length < HEADER_BYTES) return undefined;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if (flags & QR) return undefined;
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & RD;
  // Only QUERY is served (not NOTIFY, UPDATE, …), whatever the rest says.
  if (opcode !== 0) return headerOnly(id, opcode, rd, 'NOTIMP');
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return headerOnly(id, opcode, rd, 'FORMERR');
  }
  const questions = query.questions ?? [];
  if (questions.length !== 1) return headerOnly(id, opcode, rd, 'FORMERR');
  const question = questions[0]!;
  const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  const limit = transport === 'tcp' ? MAX_MESSAGE_BYTES : Math.min(MAX_MESSAGE_BYTES, Math.max(CLASSIC_UDP_BYTES, opt?.udpPayloadSize ?? 0));
  return assemble(id, rd, rawQuestion(message) ?? questionBytes(question), handle(question), opt !== undefined, limit);
}

/**
 * The question section as the query sent it, when its name is plain labels (no compression
 * pointer, which could only point into the header): copied, not encoded again, on every reply.
 */
function rawQuestion(message: Buffer): Buffer | undefined {
  let at = HEADER_BYTES;
  while (at < message.length) {
    const length = message[at]!;
    if (length === 0) return at + 5 <= message.length ? message.subarray(HEADER_BYTES, at + 5) : undefined;
    if (length > 63) return undefined;
    at += 1 + length;
  }
  return undefined;
}

/** The reply with as many answer groups as fit in `limit` bytes, TC set if any were left out. */
function assemble(id: number, rd: number, question: Buffer, answer: EncodedAnswer, withOpt: boolean, limit: number): Buffer {
  let size = HEADER_BYTES + question.length + (withOpt ? SERVER_OPT.length : 0);
  for (const a of answer.authorities) size += a.length;
  let kept = 0;
  let extras = 0;
  for (const g of answer.groups) {
    if (size + g.bytes > limit) break;
    size += g.bytes;
    extras += g.extras.length;
    kept++;
  }
  const truncated = kept < answer.groups.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(QR | AA | rd | (truncated ? TC : 0) | RCODES[answer.rcode], 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(kept, 6);
  out.writeUInt16BE(answer.authorities.length, 8);
  out.writeUInt16BE(extras + (withOpt ? 1 : 0), 10);
  let at = HEADER_BYTES;
  const put = (b: Buffer): void => {
    b.copy(out, at);
    at += b.length;
  };
  put(question);
  for (let i = 0; i < kept; i++) put(answer.groups[i]!.answer);
  for (const a of answer.authorities) put(a);
  for (let i = 0; i < kept; i++) for (const x of answer.groups[i]!.extras) put(x);
  if (withOpt) put(SERVER_OPT);
  return out;
}

/** A reply of just a header: the query's id, opcode and RD, the rcode, no sections. */
function headerOnly(id: number, opcode: number, rd: number, rcode: Rcode): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(QR | (opcode << 11) | rd | RCODES[rcode], 2);
  return b;
}
