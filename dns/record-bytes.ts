// Single records and questions to bytes with dns-packet's own encoders, which its types leave out
// (and whose question encoder returns the question, not the buffer: hence the buffer passed in).
import * as dnsPacket from 'dns-packet';
import type { Answer, Question } from 'dns-packet';

interface PartCodec<T> {
  encode(value: T, buf: Buffer, offset: number): unknown;
  encodingLength(value: T): number;
}

const parts = dnsPacket as unknown as { answer: PartCodec<Answer>; question: PartCodec<Question> };

export function recordBytes(record: Answer): Buffer {
  const buf = Buffer.alloc(parts.answer.encodingLength(record));
  parts.answer.encode(record, buf, 0);
  return buf;
}

export function questionBytes(question: Question): Buffer {
  const buf = Buffer.alloc(parts.question.encodingLength(question));
  parts.question.encode(question, buf, 0);
  return buf;
}
