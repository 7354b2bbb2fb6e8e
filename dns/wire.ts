// One DNS message in, one out (or none): decoding, the header rules, and fitting the answer to the
// transport. Over UDP an answer fits in 512 bytes, or the EDNS0 payload size the query offers;
// what does not fit is left out — answers with their additional records, from the end — and TC
// is set (RFC 1035 4.2.1, RFC 6891 6.2.5), so the client asks again over TCP, where up to 65535
// bytes go. A message whose header cannot be read, or that is itself a response, is dropped; one
// whose header reads but whose body does not is answered FORMERR.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from 'dns-packet';
import type { AnswerGroup, QuestionAnswer, Rcode } from './answer.js';

export type Transport = 'udp' | 'tcp';

/** Answers one well-formed question. */
export type QuestionHandler = (question: Question) => QuestionAnswer;

const HEADER_BYTES = 12;
const QR = 1 << 15;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RCODES: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 };

/** RFC 1035's UDP limit, for a query without EDNS0. */
export const CLASSIC_UDP_BYTES = 512;
const MAX_MESSAGE_BYTES = 65535;
/** What this server offers in its own OPT record. */
const SERVER_UDP_BYTES = 4096;

// dns-packet encodes single records too; its types do not say so.
const records = dnsPacket as unknown as { answer: { encodingLength(a: Answer): number }; question: { encodingLength(q: Question): number } };

/** The reply to `message`, or undefined to drop it. */
export function respond(message: Buffer, transport: Transport, handle: QuestionHandler): Buffer | undefined {
  if (message.length < HEADER_BYTES) return undefined;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if (flags & QR) return undefined;
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & RD;
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return headerOnly(id, opcode, rd, 'FORMERR');
  }
  if (opcode !== 0) return headerOnly(id, opcode, rd, 'NOTIMP');
  const questions = query.questions ?? [];
  if (questions.length !== 1) return headerOnly(id, opcode, rd, 'FORMERR');
  const question = questions[0]!;
  const opt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
  const limit = transport === 'tcp' ? MAX_MESSAGE_BYTES : Math.min(MAX_MESSAGE_BYTES, Math.max(CLASSIC_UDP_BYTES, opt?.udpPayloadSize ?? 0));
  const answer = handle(question);
  const replyOpt: OptAnswer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: SERVER_UDP_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  return fit(id, rd, question, answer, replyOpt, limit);
}

/** Encodes the reply with as many answer groups as fit in `limit` bytes, TC set if any were left out. */
function fit(id: number, rd: number, question: Question, answer: QuestionAnswer, opt: readonly Answer[], limit: number): Buffer {
  const flags = AA | rd | RCODES[answer.rcode];
  const fixed =
    HEADER_BYTES +
    records.question.encodingLength(question) +
    sum(answer.authorities.map((a) => records.answer.encodingLength(a))) +
    sum(opt.map((a) => records.answer.encodingLength(a)));
  let used = fixed;
  let kept = 0;
  for (const g of answer.groups) {
    const size = groupBytes(g);
    if (used + size > limit) break;
    used += size;
    kept++;
  }
  const truncated = kept < answer.groups.length;
  const groups = answer.groups.slice(0, kept);
  const packet: Packet = {
    type: 'response',
    id,
    flags: flags | (truncated ? TC : 0),
    questions: [question],
    answers: groups.map((g) => g.answer),
    authorities: [...answer.authorities],
    additionals: [...groups.flatMap((g) => g.extras), ...opt],
  };
  return dnsPacket.encode(packet);
}

function groupBytes(g: AnswerGroup): number {
  return records.answer.encodingLength(g.answer) + sum(g.extras.map((a) => records.answer.encodingLength(a)));
}

function sum(xs: readonly number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}

/** A reply of just a header: the query's id, opcode and RD, the rcode, no sections. */
function headerOnly(id: number, opcode: number, rd: number, rcode: Rcode): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(QR | (opcode << 11) | rd | RCODES[rcode], 2);
  return b;
}
