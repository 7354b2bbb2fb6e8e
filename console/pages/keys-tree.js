// The key tree below the page's prefix: folders expand in place (a level read a page at a time),
// keys link to their detail, and one watch on the prefix keeps every shown level current — a key
// put elsewhere appears, a deleted one goes, folder counts follow.
import { html, useCallback, useEffect, useRef, useState } from '../lib/html.js';
import { applyEvent, countFolders, countKeys, emptyLevel, rangeEndOf, readPage, toText, withCount } from './keys-listing.js';
import { keysHash } from './keys-route.js';
import { isTransient } from './keys-value.js';

/** Events kept to replay onto a level whose read was under way when they arrived. */
const RECENT_EVENTS = 2000;
const RETRY_MS = 2000;

export function KeyTree({ api, session, prefix, selectedKey }) {
  const [levels, setLevels] = useState(() => ({ [prefix]: emptyLevel(prefix) }));
  const [watchFrom, setWatchFrom] = useState(undefined);
  const [watchState, setWatchState] = useState('connecting');
  const recent = useRef([]);
  const alive = useRef(true);
  useEffect(() => () => (alive.current = false), []);

  const update = useCallback((levelPrefix, change) => {
    if (!alive.current) return;
    setLevels((all) => (all[levelPrefix] ? { ...all, [levelPrefix]: change(all[levelPrefix]) } : all));
  }, []);

  /** Reads a level's first page afresh (what it showed stays meanwhile); resolves with its revision or error. */
  const load = useCallback(
    async (levelPrefix) => {
      setLevels((all) => {
        const shown = all[levelPrefix];
        return { ...all, [levelPrefix]: shown && !shown.loading && !shown.error ? shown : emptyLevel(levelPrefix) };
      });
      try {
        const page = await readPage(api, levelPrefix, undefined, 0);
        const total = await countKeys(api, levelPrefix, page.rev);
        update(levelPrefix, () => {
          let level = { prefix: levelPrefix, rev: page.rev, entries: page.entries, next: page.next, total, loading: false, error: undefined };
          for (const event of recent.current) level = applyEvent(level, event);
          return level;
        });
        countFolders(api, page.entries, page.rev, (key, n) => update(levelPrefix, (l) => withCount(l, key, n))).catch(() => undefined);
        return { rev: page.rev };
      } catch (error) {
        update(levelPrefix, (l) => ({ ...l, loading: false, error }));
        return { error };
      }
    },
    [api, update],
  );

  const more = useCallback(
    async (level) => {
      update(level.prefix, (l) => ({ ...l, loadingMore: true }));
      try {
        const page = await readPage(api, level.prefix, level.next, level.rev);
        update(level.prefix, (l) => {
          let next = { ...l, entries: [...l.entries, ...page.entries], next: page.next, loadingMore: false };
          for (const event of recent.current) next = applyEvent(next, event, level.next);
          return next;
        });
        countFolders(api, page.entries, level.rev, (key, n) => update(level.prefix, (l) => withCount(l, key, n))).catch(() => undefined);
      } catch {
        // The level's revision was compacted away (or the member changed): read it afresh.
        await load(level.prefix);
      }
    },
    [api, load, update],
  );

  const levelsNow = useRef(levels);
  levelsNow.current = levels;
  const retryTimer = useRef(undefined);
  useEffect(() => () => clearTimeout(retryTimer.current), []);
  // A link to a key deeper down opens the folders on its way, once.
  const revealed = useRef(selectedKey === undefined ? [] : foldersBetween(prefix, selectedKey));
  /** Reads every shown level afresh, the top first, then watches from the top's revision on. */
  const reloadAll = useCallback(async () => {
    clearTimeout(retryTimer.current);
    const expanded = [...new Set([...Object.keys(levelsNow.current), ...revealed.current])].filter((p) => p !== prefix);
    revealed.current = [];
    recent.current = [];
    if (prefix === '' && !readsEveryKey(session)) {
      // Listing every key would only be refused: the page says where the user's roles let them look.
      setLevels({ '': { ...emptyLevel(''), loading: false, restricted: true } });
      return;
    }
    const { rev, error } = await load(prefix);
    if (error) {
      // A member that went away comes back; a refusal does not, so that is not retried.
      if (isTransient(error) && alive.current) retryTimer.current = setTimeout(reloadAll, RETRY_MS);
      return;
    }
    // Expanded folders read after the top, at a revision no older than the one the watch starts from.
    for (const p of expanded) load(p);
    setWatchFrom({ rev: rev + 1 });
  }, [load, prefix, session]);

  useEffect(() => {
    reloadAll();
  }, [reloadAll]);

  useEffect(() => {
    if (!watchFrom) return undefined;
    let retry;
    const close = api.watch(
      { key: btoa(prefix === '' ? '\0' : prefix), range_end: btoa(rangeEndOf(prefix)), start_revision: String(watchFrom.rev) },
      (result) => {
        if (result.created) setWatchState('live');
        if (result.canceled) {
          setWatchState('restarting');
          retry = setTimeout(reloadAll, 0);
          return;
        }
        const events = result.events ?? [];
        if (events.length === 0) return;
        // The tree needs no values: keep what it does need, so the buffer stays small.
        const slim = events.map((e) => ({ type: e.type, kv: { key: e.kv.key, mod_revision: e.kv.mod_revision, version: e.kv.version } }));
        recent.current = [...recent.current, ...slim].slice(-RECENT_EVENTS);
        setLevels((all) => {
          const out = {};
          for (const [p, level] of Object.entries(all)) {
            let l = level;
            for (const event of events) l = applyEvent(l, event);
            out[p] = l;
          }
          return out;
        });
      },
      (error) => {
        if (!error || !alive.current) return;
        setWatchState('restarting');
        retry = setTimeout(reloadAll, RETRY_MS);
      },
    );
    return () => {
      clearTimeout(retry);
      close();
    };
  }, [api, prefix, watchFrom, reloadAll]);

  const toggle = useCallback(
    (folder) => {
      if (levels[folder]) {
        setLevels((all) => {
          const out = {};
          for (const [p, l] of Object.entries(all)) if (!p.startsWith(folder)) out[p] = l;
          return out;
        });
      } else {
        load(folder);
      }
    },
    [levels, load],
  );

  const root = levels[prefix];
  const prefixText = toText(prefix);
  return html`
    <section class="card keys-tree" aria-labelledby="keys-tree-title">
      <${Breadcrumbs} prefix=${prefixText} />
      <div class="row keys-tree-head">
        <h2 id="keys-tree-title">${prefixText === '' ? 'All keys' : prefixText}</h2>
        ${root?.total !== undefined ? html`<span class="muted" data-testid="keys-total">${root.total} ${root.total === 1 ? 'key' : 'keys'}</span>` : null}
        ${root?.error || root?.restricted ? null : html`<${WatchBadge} state=${watchState} />`}
        ${mayWriteSomewhere(session) ? html`<a class="keys-new-link" href=${keysHash(prefixText, { creating: true })}>New key</a>` : null}
      </div>
      ${root ? html`<${Level} level=${root} levels=${levels} pagePrefix=${prefixText} selectedKey=${selectedKey} toggle=${toggle} more=${more} />` : null}
      ${root?.error || root?.restricted ? html`<${ReadablePlaces} session=${session} />` : null}
    </section>
  `;
}

/** The folders from below `prefix` down to the one holding `key`: 'a/' and 'a/b/' for 'a/b/c' under ''. */
function foldersBetween(prefix, key) {
  if (!key.startsWith(prefix)) return [];
  const out = [];
  for (let at = key.indexOf('/', prefix.length); at >= 0; at = key.indexOf('/', at + 1)) out.push(key.slice(0, at + 1));
  return out;
}

function WatchBadge({ state }) {
  const label = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…';
  return html`<span class=${`badge ${state === 'live' ? 'ok' : 'warn'}`} title="Changes made elsewhere show here as they happen">${label}</span>`;
}

/** Whether the user's roles let them read every key (root, or a read permission from the first key on). */
function readsEveryKey(session) {
  return session.root || session.permissions.some((p) => p.type !== 'write' && (p.key === '' || p.key === '\0') && p.rangeEnd === '\0');
}

/** With auth on, a user who may not write anywhere is not offered a new key. */
function mayWriteSomewhere(session) {
  return session.root || session.permissions.some((p) => p.type !== 'read');
}

/** Where a user whose roles cover only some keys may look, when the folder shown is not one. */
function ReadablePlaces({ session }) {
  const places = session.permissions.filter((p) => p.type !== 'write');
  if (session.root || places.length === 0) return null;
  return html`
    <p>Your roles let you read:</p>
    <ul>
      ${places.map((p) => {
        const start = toText(p.key);
        if (p.rangeEnd === '') return html`<li><a href=${keysHash(start.slice(0, start.lastIndexOf('/') + 1), { key: start })}>${start}</a></li>`;
        const folder = start.slice(0, start.lastIndexOf('/') + 1);
        const whole = p.rangeEnd === rangeEndOf(p.key) && folder === start;
        return whole ? html`<li><a href=${keysHash(folder)}>${start}</a></li>` : html`<li>keys from <code>${start}</code> ${p.rangeEnd === '\0' ? 'on' : html`up to <code>${toText(p.rangeEnd)}</code>`}</li>`;
      })}
    </ul>
  `;
}

function Breadcrumbs({ prefix }) {
  if (prefix === '') return null;
  const parts = prefix === '' ? [] : prefix.slice(0, -1).split('/');
  return html`
    <nav aria-label="Folder path" class="keys-crumbs">
      <a href=${keysHash('')} aria-current=${prefix === '' ? 'page' : undefined}>All keys</a>
      ${parts.map((part, i) => {
        const folder = `${parts.slice(0, i + 1).join('/')}/`;
        return html`<span aria-hidden="true"> › </span><a href=${keysHash(folder)} aria-current=${folder === prefix ? 'page' : undefined}>${part === '' ? '(empty)' : part}/</a>`;
      })}
    </nav>
  `;
}

function Level({ level, levels, pagePrefix, selectedKey, toggle, more }) {
  if (level.restricted) return null;
  if (level.loading) return html`<p class="muted" aria-busy="true">Loading…</p>`;
  if (level.error) return html`<p role="alert" class="error">Could not list ${toText(level.prefix) || 'the keys'}: ${level.error.message}</p>`;
  if (level.entries.length === 0) return html`<p class="muted">No keys here.</p>`;
  return html`
    <ul class="keys-level">
      ${level.entries.map((entry) => {
        const name = toText(entry.key.slice(level.prefix.length));
        if (entry.kind === 'key') {
          const text = toText(entry.key);
          const selected = entry.key === selectedKey;
          return html`<li key=${entry.key}>
            <a class="keys-leaf" href=${keysHash(pagePrefix, { keyBinary: entry.key })} aria-current=${selected ? 'true' : undefined} title=${text}>${name === '' ? '(empty name)' : name}</a>
          </li>`;
        }
        const child = levels[entry.key];
        const folderText = toText(entry.key);
        return html`<li key=${entry.key}>
          <span class="keys-folder-row">
            <button type="button" class="keys-folder" aria-expanded=${child ? 'true' : 'false'} onClick=${() => toggle(entry.key)} title=${folderText}>
              <span aria-hidden="true" class="keys-caret">${child ? '▾' : '▸'}</span> ${name}
            </button>
            <span class="muted keys-count">${entry.count ?? '…'}<span class="keys-sr">${entry.count === 1 ? ' key' : ' keys'}</span></span>
            <a class="keys-open" href=${keysHash(folderText)} aria-label=${`Open folder ${folderText}`} title="Open this folder">open</a>
          </span>
          ${child ? html`<${Level} level=${child} levels=${levels} pagePrefix=${pagePrefix} selectedKey=${selectedKey} toggle=${toggle} more=${more} />` : null}
        </li>`;
      })}
      ${level.next !== undefined
        ? html`<li><button type="button" class="ghost keys-more" disabled=${level.loadingMore} onClick=${() => more(level)}>${level.loadingMore ? 'Loading…' : `Show more in ${toText(level.prefix) || 'the top level'}`}</button></li>`
        : null}
    </ul>
  `;
}
