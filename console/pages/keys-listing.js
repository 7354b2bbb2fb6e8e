// One level of the key tree: the folders and keys right below a prefix, split on '/', read a page at
// a time with keys-only ranges that jump over each folder's keys (so a level with a million keys
// under a few folders costs a few requests), the folders' key counts, and the watch events that
// change a level once it is shown.
//
// Keys are handled as binary strings (one char per byte, as atob gives them): they compare byte by
// byte with < like etcd orders them, and a non-UTF-8 key stays exact.

const BATCH = 200;
export const PAGE_SIZE = 50;
const utf8 = new TextEncoder();
const lenientDecoder = new TextDecoder();

/** Text → binary string of its UTF-8. */
export function toBinary(text) {
  return String.fromCharCode(...utf8.encode(text));
}

/** Binary string → text for people (bad UTF-8 replaced). */
export function toText(binary) {
  return lenientDecoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The end of the range of keys starting with `prefix`; '\0' (every key) for ''. */
export function rangeEndOf(prefix) {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  return '\0';
}

/** etcd refuses an empty key; every key from the first one on is '\0'. */
const startOf = (prefix) => (prefix === '' ? '\0' : prefix);

/** A fresh level to be loaded. */
export function emptyLevel(prefix) {
  return { prefix, rev: 0, entries: [], next: undefined, total: undefined, loading: true, error: undefined };
}

/**
 * Reads up to PAGE_SIZE entries below `prefix` from `cursor` (the prefix itself for the first page),
 * at revision `rev` (0: the latest, which the answer then pins for the rest of the level).
 * Resolves { rev, entries, next } where next is the cursor of the following page, if any.
 */
export async function readPage(api, prefix, cursor, rev) {
  const end = rangeEndOf(prefix);
  let from = cursor ?? startOf(prefix);
  let revision = rev;
  const entries = [];
  for (;;) {
    const body = { key: btoa(from), range_end: btoa(end), keys_only: true, limit: BATCH };
    if (revision) body.revision = revision;
    const answer = await api.gateway('kv/range', body);
    if (!revision) revision = Number(answer.header.revision);
    const kvs = answer.kvs ?? [];
    let folder;
    for (const kv of kvs) {
      const key = atob(kv.key);
      if (folder !== undefined && key.startsWith(folder)) continue;
      if (entries.length >= PAGE_SIZE) return { rev: revision, entries, next: key };
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) {
        folder = prefix + rest.slice(0, slash + 1);
        entries.push({ kind: 'folder', key: folder, count: undefined });
      } else {
        entries.push({ kind: 'key', key });
      }
    }
    if (!answer.more || kvs.length === 0) return { rev: revision, entries, next: undefined };
    const last = atob(kvs[kvs.length - 1].key);
    // The rest of a folder's keys are skipped with one jump past its range.
    from = folder !== undefined && last.startsWith(folder) ? rangeEndOf(folder) : `${last}\0`;
    if (entries.length >= PAGE_SIZE) return { rev: revision, entries, next: from };
  }
}

/** How many keys start with `prefix` at `rev`. */
export async function countKeys(api, prefix, rev) {
  const answer = await api.gateway('kv/range', { key: btoa(startOf(prefix)), range_end: btoa(rangeEndOf(prefix)), count_only: true, revision: rev });
  return Number(answer.count ?? 0);
}

/** Fills in the folders' counts, a few requests at a time; `onCount(key, n)` for each. */
export async function countFolders(api, entries, rev, onCount) {
  const folders = entries.filter((e) => e.kind === 'folder' && e.count === undefined);
  let index = 0;
  const worker = async () => {
    while (index < folders.length) {
      const folder = folders[index++];
      onCount(folder.key, await countKeys(api, folder.key, rev));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

/** The level with one folder's count set. */
export function withCount(level, folderKey, count) {
  return { ...level, entries: level.entries.map((e) => (e.key === folderKey ? { ...e, count } : e)) };
}

/**
 * The level after a watch event: keys put or deleted right below it appear or go, a folder's count
 * follows the keys created or deleted under it (and the folder goes with its last key). Events the
 * level's own read already saw (at or before its revision) and entries past its loaded pages are
 * left alone.
 */
export function applyEvent(level, event, replayFrom) {
  if (level.loading || level.error) return level;
  const key = atob(event.kv.key);
  if (!key.startsWith(level.prefix) || Number(event.kv.mod_revision) <= level.rev) return level;
  const deleted = event.type === 'DELETE';
  const created = !deleted && event.kv.version === '1';
  const rest = key.slice(level.prefix.length);
  const slash = rest.indexOf('/');
  const entryKey = slash >= 0 ? level.prefix + rest.slice(0, slash + 1) : key;
  // Replaying for a page just read: only its entries, and the total has counted the event already.
  if (replayFrom !== undefined && entryKey < replayFrom) return level;
  const total = level.total === undefined || replayFrom !== undefined ? level.total : level.total + (created ? 1 : deleted ? -1 : 0);
  if (level.next !== undefined && entryKey >= level.next) return { ...level, total };

  const index = level.entries.findIndex((e) => e.key === entryKey);
  const entries = level.entries.slice();
  if (slash < 0) {
    if (deleted && index >= 0) entries.splice(index, 1);
    else if (!deleted && index < 0) insertSorted(entries, { kind: 'key', key });
  } else if (created) {
    if (index >= 0) entries[index] = { ...entries[index], count: (entries[index].count ?? 0) + 1 };
    else insertSorted(entries, { kind: 'folder', key: entryKey, count: 1 });
  } else if (deleted && index >= 0 && entries[index].count !== undefined) {
    const count = entries[index].count - 1;
    if (count <= 0) entries.splice(index, 1);
    else entries[index] = { ...entries[index], count };
  }
  return { ...level, entries, total };
}

function insertSorted(entries, entry) {
  const at = entries.findIndex((e) => e.key > entry.key);
  if (at < 0) entries.push(entry);
  else entries.splice(at, 0, entry);
}
