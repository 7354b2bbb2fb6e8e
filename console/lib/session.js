// What the signed-in user may do, from /ui/api/session, so the console offers only that (the server
// refuses the rest anyway). With auth off, everyone may do everything.

const latin1 = (s) => Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function compare(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Whether the permission covers the key (text): etcd's key, prefix ('\0' end) and range forms. */
function covers(p, keyBytes) {
  const key = latin1(p.key);
  if (p.rangeEnd === '') return compare(keyBytes, key) === 0;
  if (compare(keyBytes, key) < 0) return false;
  if (p.rangeEnd === '\u0000') return true;
  return compare(keyBytes, latin1(p.rangeEnd)) < 0;
}

export class Session {
  constructor(answer) {
    this.authEnabled = answer.authEnabled;
    this.member = answer.member;
    this.user = answer.user ?? null;
    this.root = !answer.authEnabled || answer.root === true;
    this.permissions = answer.permissions ?? [];
  }

  /** Auth is on and nobody is signed in. */
  get needsLogin() {
    return this.authEnabled && this.user === null;
  }

  /** May the user read (`access` 'read') or write ('write') the key (text)? */
  may(access, key) {
    if (this.root) return true;
    const bytes = Array.from(new TextEncoder().encode(key));
    return this.permissions.some((p) => (p.type === 'readwrite' || p.type === access) && covers(p, bytes));
  }

  /** Cluster-wide operations (move leader, defragment, alarms, auth) are root's alone when auth is on. */
  get admin() {
    return this.root;
  }
}
