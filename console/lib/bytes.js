// etcd's JSON gateway carries keys and values as base64 of their bytes; the console shows them as
// text when they are UTF-8 and as hex otherwise.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes → base64. */
export function bytesToBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** base64 → bytes ('' or undefined → none). */
export function base64ToBytes(b64) {
  if (!b64) return new Uint8Array(0);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Text → base64 of its UTF-8. */
export function textToBase64(text) {
  return bytesToBase64(encoder.encode(text));
}

/** The bytes as text when they are UTF-8 without control characters other than tab and newlines; else undefined. */
export function bytesAsText(bytes) {
  let text;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

/** base64 → text (UTF-8, bad bytes replaced): for keys, which are text almost always. */
export function base64ToText(b64) {
  return new TextDecoder().decode(base64ToBytes(b64));
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The end of the range of every key starting with `prefix` (etcd's clientv3.GetPrefixRangeEnd), as base64. */
export function prefixRangeEnd(prefix) {
  const bytes = encoder.encode(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i] += 1;
      return bytesToBase64(end);
    }
  }
  // No end: every key from the prefix on ("\0").
  return 'AA==';
}
