// How a key's value is shown: JSON pretty-printed, other UTF-8 text as it is, anything else as hex
// (16 bytes a line), and the same form line by line for diffs between versions.
import { ApiError } from '../lib/api.js';
import { base64ToBytes, bytesAsText, bytesToHex } from '../lib/bytes.js';

/** { kind: 'json' | 'text' | 'binary' | 'empty', shown, raw, size } for a value in base64. */
export function describeValue(b64) {
  const bytes = base64ToBytes(b64);
  if (bytes.length === 0) return { kind: 'empty', shown: '', raw: '', size: 0 };
  const text = bytesAsText(bytes);
  if (text === undefined) return { kind: 'binary', shown: hexLines(bytes), raw: hexLines(bytes), size: bytes.length };
  const json = prettyJson(text);
  if (json !== undefined) return { kind: 'json', shown: json, raw: text, size: bytes.length };
  return { kind: 'text', shown: text, raw: text, size: bytes.length };
}

/** Only objects and arrays count as JSON: a bare number or word is text to the reader. */
function prettyJson(text) {
  const trimmed = text.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}

function hexLines(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) lines.push(bytesToHex(bytes.subarray(i, i + 16)));
  return lines.join('\n');
}

/** Hex as typed (any spacing, optional 0x) → bytes; throws a readable error when it is not hex. */
export function parseHex(text) {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error('The value has characters that are not hex digits.');
  if (digits.length % 2 !== 0) throw new Error('The hex value has an odd number of digits.');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** etcd's lease ids travel as decimal int64 in JSON; etcdctl shows and takes them in hex. */
export function leaseHex(decimal) {
  if (!decimal || decimal === '0') return '';
  return BigInt(decimal).toString(16);
}

export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A failure worth trying again: the member unreachable or unavailable, not a refusal. */
export function isTransient(error) {
  return !(error instanceof ApiError) || error.status === 0 || error.status >= 500;
}
