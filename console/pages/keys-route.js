// The Keys page's addresses: #/keys/<prefix segments…>/?key=<key>, so a folder and a key can be
// linked to. A prefix is a folder (it ends with '/'); each segment is URI-encoded.

/** The route's path segments → the prefix they name ('' for the top). */
export function prefixOfRoute(path) {
  return path.length === 0 ? '' : `${path.join('/')}/`;
}

/**
 * The address of a folder (text prefix ending in '/', or ''), with a selected key (text, or
 * keyBinary: a binary string, sent as base64 when it is not UTF-8) or the new-key form.
 */
export function keysHash(prefix, { key, keyBinary, creating } = {}) {
  let hash = '#/keys';
  if (prefix !== '') hash += `/${prefix.slice(0, -1).split('/').map(encodeURIComponent).join('/')}/`;
  const query = new URLSearchParams();
  if (key !== undefined) query.set('key', key);
  else if (keyBinary !== undefined) {
    const text = new TextDecoder().decode(Uint8Array.from(keyBinary, (c) => c.charCodeAt(0)));
    const exact = String.fromCharCode(...new TextEncoder().encode(text)) === keyBinary;
    query.set(exact ? 'key' : 'key64', exact ? text : btoa(keyBinary));
  }
  if (creating) query.set('new', '1');
  const q = query.toString();
  return q ? `${hash}?${q}` : hash;
}
