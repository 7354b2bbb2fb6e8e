// Decoding of HPACK's Huffman-coded strings (RFC 7541 §5.2, Appendix B), for the printable ASCII an
// HTTP/2 authority is made of. The code of Appendix B is canonical: within a code length, symbols
// take consecutive codes in ascending order, and each length starts where the previous one ended,
// shifted left. So the code lengths alone give every code. Only the symbols whose codes are at most
// 15 bits long are known here (all printable ASCII but '\\' and DEL): a string holding any other
// symbol is reported undecodable, and left as it is by whoever asked.

/** Symbols by code length, ascending within a length (RFC 7541 Appendix B). */
const SYMBOLS_BY_LENGTH: ReadonlyArray<readonly [number, string]> = [
  [5, '012aceiost'],
  [6, ' %-./3456789=A_bdfghlmnpru'],
  [7, ':BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz'],
  [8, '&*,;XZ'],
  [10, '!"()?'],
  [11, "'+|"],
  [12, '#>'],
  [13, '\u0000$@[]~'],
  [14, '^}'],
  [15, '<`{'],
];

interface CodeLength {
  readonly bits: number;
  readonly first: number;
  readonly symbols: readonly number[];
}

const LENGTHS: readonly CodeLength[] = (() => {
  const out: CodeLength[] = [];
  let code = 0;
  let bits = 0;
  for (const [length, symbols] of SYMBOLS_BY_LENGTH) {
    code <<= length - bits;
    bits = length;
    out.push({ bits: length, first: code, symbols: [...symbols].map((c) => c.charCodeAt(0)) });
    code += symbols.length;
  }
  return out;
})();

const MAX_BITS = LENGTHS[LENGTHS.length - 1]!.bits;

/**
 * The octets a Huffman-coded string stands for, or undefined if it holds a symbol not known here or
 * is malformed (padding longer than 7 bits or not the most significant bits of EOS, all ones).
 */
export function huffmanDecode(encoded: Uint8Array): Buffer | undefined {
  const out: number[] = [];
  let code = 0;
  let bits = 0;
  let lengthIndex = 0;
  for (let i = 0; i < encoded.length; i++) {
    const byte = encoded[i]!;
    for (let b = 7; b >= 0; b--) {
      code = (code << 1) | ((byte >> b) & 1);
      bits++;
      // Advance to the code length `bits` if there is one; codes of other lengths are prefixes.
      while (lengthIndex < LENGTHS.length && LENGTHS[lengthIndex]!.bits < bits) lengthIndex++;
      const length = LENGTHS[lengthIndex];
      if (length !== undefined && length.bits === bits) {
        const offset = code - length.first;
        if (offset >= 0 && offset < length.symbols.length) {
          out.push(length.symbols[offset]!);
          code = 0;
          bits = 0;
          lengthIndex = 0;
          continue;
        }
      }
      if (bits >= MAX_BITS) return undefined;
    }
  }
  // What is left is padding: fewer than 8 bits, all ones.
  if (bits > 7 || code !== (1 << bits) - 1) return undefined;
  return Buffer.from(out);
}
