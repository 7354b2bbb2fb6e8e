// One key's current state and its history, from one read and one watch: the watch starts at the
// key's create revision (or, asked for, at the oldest revision the store keeps), so it first replays
// the versions the store still has, then carries every later put and delete as it happens. When
// the start was compacted away, the member says from where it still has history and the watch
// starts again there.
import { useCallback, useEffect, useRef, useState } from '../lib/html.js';
import { isTransient } from './keys-value.js';

const RETRY_MS = 2000;
/** Versions kept in the page: a key rewritten every second should not fill the tab's memory. */
const MAX_HISTORY = 500;

/**
 * { state, history, compactedBefore, watching, reload, showEarlier } for the key (binary string).
 * state: { loading } | { error } | { kv, rev } (kv undefined when the key does not exist).
 * history: [{ rev, type: 'PUT' | 'DELETE', kv }] oldest first.
 */
export function useKeyWithHistory(api, key) {
  const [state, setState] = useState({ loading: true });
  const [history, setHistory] = useState([]);
  const [from, setFrom] = useState(undefined);
  const [compactedBefore, setCompactedBefore] = useState(undefined);
  const [watching, setWatching] = useState(false);
  const retry = useRef(undefined);

  const read = useCallback(
    async (earliest) => {
      clearTimeout(retry.current);
      setState((s) => (s.kv || s.error ? s : { loading: true }));
      try {
        const answer = await api.gateway('kv/range', { key: btoa(key) });
        const kv = answer.kvs?.[0];
        setState({ kv, rev: Number(answer.header.revision) });
        setHistory([]);
        setCompactedBefore(undefined);
        setFrom({ rev: !earliest && kv ? Number(kv.create_revision) : 1 });
      } catch (error) {
        setState({ error });
        // The member went away: try again until it (or the page) is back; a refusal stays shown.
        if (isTransient(error)) retry.current = setTimeout(() => read(earliest), RETRY_MS);
      }
    },
    [api, key],
  );

  useEffect(() => {
    read(false);
    return () => clearTimeout(retry.current);
  }, [read]);

  useEffect(() => {
    if (!from) return undefined;
    let closed = false;
    const close = api.watch(
      { key: btoa(key), start_revision: String(from.rev) },
      (result) => {
        if (result.created) setWatching(true);
        if (result.canceled) {
          const compacted = Number(result.compact_revision ?? 0);
          if (compacted > 0) {
            setCompactedBefore(compacted);
            setHistory([]);
            setFrom({ rev: compacted, compacted });
          } else {
            // Canceled for another reason (the member's, or the user's rights): not live any more.
            setWatching(false);
          }
          return;
        }
        const events = result.events ?? [];
        if (events.length === 0) return;
        const entries = events.map((e) => ({ rev: Number(e.kv.mod_revision), type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: e.kv }));
        setHistory((h) => [...h, ...entries].slice(-MAX_HISTORY));
        const last = entries[entries.length - 1];
        setState((s) => {
          if (!('rev' in s) || last.rev <= (s.kv ? Number(s.kv.mod_revision) : s.rev)) return s;
          return { kv: last.type === 'DELETE' ? undefined : last.kv, rev: last.rev, deletedAt: last.type === 'DELETE' ? last.rev : undefined };
        });
      },
      (error) => {
        if (!error || closed) return;
        setWatching(false);
        retry.current = setTimeout(() => read(false), RETRY_MS);
      },
    );
    return () => {
      closed = true;
      setWatching(false);
      close();
    };
  }, [api, key, from, read]);

  const showEarlier = useCallback(() => read(true), [read]);
  return { state, history, compactedBefore, watching, showEarlier, startedAt: from?.rev };
}
