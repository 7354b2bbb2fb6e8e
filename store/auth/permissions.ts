// Key permissions of roles, and whether a user's roles cover a request's keys — etcd's rules: a
// permission names one key (empty range end), a range [key, rangeEnd), or every key from `key` on
// (range end "\0"). A request for one key needs a permission holding that key; a request for a range
// needs the permissions of its kind to cover the whole range between them (their union, not one of
// them alone). READWRITE counts as both.
export type PermissionType = 'read' | 'write' | 'readwrite';

export interface Permission {
  readonly type: PermissionType;
  readonly key: Uint8Array;
  /** Empty: the key alone; [0]: every key from `key` on; else the end of [key, rangeEnd). */
  readonly rangeEnd: Uint8Array;
}

/** What a request does with its keys. */
export type Access = 'read' | 'write';

/** A span of keys; `end` undefined means no upper bound. */
interface Span {
  readonly start: Uint8Array;
  readonly end: Uint8Array | undefined;
}

const ZERO = Uint8Array.of(0);

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function isFromKey(rangeEnd: Uint8Array): boolean {
  return rangeEnd.length === 1 && rangeEnd[0] === 0;
}

/** The span a permission grants: one key is [key, key + "\0"). */
function spanOf(p: Permission): Span {
  if (p.rangeEnd.length === 0) return { start: p.key, end: Buffer.concat([p.key, ZERO]) };
  return { start: p.key, end: isFromKey(p.rangeEnd) ? undefined : p.rangeEnd };
}

function grants(p: Permission, access: Access): boolean {
  return p.type === 'readwrite' || p.type === access;
}

/** Whether `end` (undefined: unbounded) lies at or after `point`. */
function reaches(end: Uint8Array | undefined, point: Uint8Array | undefined): boolean {
  if (end === undefined) return true;
  if (point === undefined) return false;
  return compare(end, point) >= 0;
}

/**
 * Whether `permissions` allow `access` to the key, or to the range [key, rangeEnd) (rangeEnd "\0":
 * every key from `key` on), as etcd's range permission check decides it.
 */
export function permits(permissions: readonly Permission[], access: Access, key: Uint8Array, rangeEnd?: Uint8Array): boolean {
  const spans = permissions.filter((p) => grants(p, access)).map(spanOf);
  if (rangeEnd === undefined || rangeEnd.length === 0) {
    // One key: some permission holds it.
    return spans.some((s) => compare(s.start, key) <= 0 && (s.end === undefined || compare(key, s.end) < 0));
  }
  const end = isFromKey(rangeEnd) ? undefined : rangeEnd;
  // A range with nothing in it reads nothing: it needs no more than its first key.
  if (end !== undefined && compare(end, key) <= 0) return permits(permissions, access, key);
  // Sweep the spans in order of their start, extending what is covered from `key` on.
  spans.sort((a, b) => compare(a.start, b.start));
  let covered: Uint8Array | undefined = key;
  for (const s of spans) {
    if (covered === undefined) break;
    if (compare(s.start, covered) > 0) break;
    if (!reaches(s.end, covered) || (s.end !== undefined && compare(s.end, covered) === 0)) continue;
    covered = s.end;
  }
  return reaches(covered, end);
}

/** Two permissions name the same keys (etcd matches grants and revokes this way). */
export function sameKeys(a: { key: Uint8Array; rangeEnd: Uint8Array }, b: { key: Uint8Array; rangeEnd: Uint8Array }): boolean {
  return compare(a.key, b.key) === 0 && compare(a.rangeEnd, b.rangeEnd) === 0;
}

export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return compare(a, b);
}
