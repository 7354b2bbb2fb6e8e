// Bytes fields in JSON: standard base64 with padding, decoded as Go's encoding/base64 decodes it
// for etcd's gateway — line breaks skipped, anything else out of place refused with the offset Go
// reports ("illegal base64 data at input byte 4"), which the gateway sends back to the client.

export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.name = 'Base64Error';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const PAD = 0x3d;
const isNewline = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;

/** Well-formed input, the common case, decoded by Node at once. */
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64(text: Buffer): Buffer {
  const latin = text.toString('latin1');
  if (CANONICAL.test(latin)) return Buffer.from(latin, 'base64');
  return decodeSlowly(text);
}

/** Quantum by quantum, as Go's decodeQuantum: the same result, or the same offset in the error. */
function decodeSlowly(src: Buffer): Buffer {
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const quad = [0, 0, 0, 0];
    let length = 4;
    let j = 0;
    let ended = false;
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        // Padding is required: a quantum cut short is an error where it began.
        throw new Base64Error(si - j);
      }
      const c = src[si++]!;
      const d = DECODE[c]!;
      if (d >= 0) {
        quad[j++] = d;
        continue;
      }
      if (isNewline(c)) continue;
      if (c !== PAD) throw new Base64Error(si - 1);
      if (j < 2) throw new Base64Error(si - 1);
      if (j === 2) {
        // "==" is expected: the first '=' is read.
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw new Base64Error(src.length);
        if (src[si] !== PAD) throw new Base64Error(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) throw new Base64Error(si);
      length = j;
      ended = true;
      break;
    }
    const v = (quad[0]! << 18) | (quad[1]! << 12) | (quad[2]! << 6) | quad[3]!;
    out.push((v >> 16) & 0xff);
    if (length >= 3) out.push((v >> 8) & 0xff);
    if (length === 4) out.push(v & 0xff);
    if (ended) break;
  }
  return Buffer.from(out);
}
