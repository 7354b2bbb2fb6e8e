// What the Configuration page's views share: the config API's paths, a live loader (a watch on the
// namespace's keys, polling when no watch can be had), an action runner that keeps its error, and
// the small pieces of markup every view shows (errors with their schema violations, times, labels).
import { html, useCallback, useEffect, useRef, useState } from '../../lib/html.js';
import { prefixRangeEnd, textToBase64 } from '../../lib/bytes.js';

export const CONFIG_API = '/lodestone/v1/config';

/** The config API path of namespace `ns` ("app/env/cluster") and what follows it ("/items/x"). */
export function nsPath(ns, rest = '') {
  return `${CONFIG_API}/${ns.split('/').map(encodeURIComponent).join('/')}${rest}`;
}

/** The key prefixes the namespace lives under (configcenter/layout.ts). */
export const namespaceKeys = (ns) => `/lodestone/namespaces/${ns}/`;
export const liveKeys = (ns) => `/lodestone/config/${ns}/`;

/** The hash of a view of the page. */
export function configHash(ns, view, params = {}) {
  const query = new URLSearchParams({ ...(view ? { view } : {}), ...params }).toString();
  return `#/config${ns ? `/${ns}` : ''}${query ? `?${query}` : ''}`;
}

/** Polling period when no watch can be had. */
const POLL_MS = 2000;
/** How soon a failed watch is tried again (a member back, a permission granted). */
const WATCH_RETRY_MS = 5000;

/**
 * Loads with `load()` now and again whenever a key under `prefix` changes (a watch through the
 * gateway); while the watch fails (no permission, a member going away) it polls every 2 s instead
 * and tries the watch again every 5 s.
 * Returns { data, error, reload }.
 */
export function useLive(api, prefix, load, deps) {
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(undefined);
  const runRef = useRef(() => undefined);
  useEffect(() => {
    let stopped = false;
    let running = false;
    let again = false;
    let poll;
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const next = await load();
        if (!stopped) (setData(next), setError(undefined));
      } catch (err) {
        if (!stopped) setError(err);
      } finally {
        running = false;
        if (again && !stopped) {
          again = false;
          run();
        }
      }
    };
    runRef.current = run;
    run();
    let close = () => undefined;
    let retry;
    const watch = () => {
      close = api.watch(
        { key: textToBase64(prefix), range_end: prefixRangeEnd(prefix) },
        (result) => {
          // Watching again: polling can stop. Once created, load again: a change between the
          // last load and the watch is not lost.
          if (result.created) (clearInterval(poll), (poll = undefined));
          if (result.created || result.events?.length) run();
        },
        (err) => {
          if (!err || stopped) return;
          poll ??= setInterval(run, POLL_MS);
          retry = setTimeout(watch, WATCH_RETRY_MS);
        },
      );
    };
    watch();
    return () => {
      stopped = true;
      close();
      clearInterval(poll);
      clearTimeout(retry);
    };
  }, [api, prefix, ...deps]);
  const reload = useCallback(() => runRef.current(), []);
  return { data, error, reload };
}

/** Runs one user action at a time; keeps its error until the next run. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const run = useCallback(async (fn) => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/** Schema violations as a list: where, and what is wrong there. */
export function Violations({ errors }) {
  if (!errors?.length) return null;
  return html`<ul class="config-violations">
    ${errors.map((v) => html`<li><code>${v.path || '/'}</code> ${v.message}</li>`)}
  </ul>`;
}

/** An error as an alert, with the schema violations a refusal carries. */
export function ErrorAlert({ error, label }) {
  if (!error) return null;
  return html`<div role="alert" class="error config-alert">
    <p>${label ? `${label}: ` : ''}${error.message}${error.code && typeof error.code === 'string' ? html` <span class="muted">(${error.code})</span>` : null}</p>
    <${Violations} errors=${error.details?.errors} />
  </div>`;
}

/** "2026-12-03T09:24:36.123Z" → "2026-12-03 09:24:36 UTC". */
export function formatTime(iso) {
  if (typeof iso !== 'string') return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** { canary: 'true', zone: 'a' } → "canary=true, zone=a". */
export function labelsText(labels) {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '';
}

/** "canary=true, zone=a" → { canary: 'true', zone: 'a' }; throws on a part with no "=". */
export function parseLabels(text) {
  const labels = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`a label is name=value, not "${part}"`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

/** Who a gray release is for, in words. */
export function selectorText(selector) {
  const parts = [];
  if (selector?.labels && Object.keys(selector.labels).length) parts.push(`instances with ${labelsText(selector.labels)}`);
  if (selector?.percent !== undefined) parts.push(`${selector.percent}% of instances`);
  return parts.join(' and ') || 'no instance';
}

/** What a release's kind says, with where a rollback or promote came from. */
export function kindText(release) {
  if (release.kind === 'rollback') return `rollback to ${release.from}`;
  if (release.kind === 'promote') return `promote of ${release.from}`;
  return release.kind;
}

export { ConfirmDialog } from '../../lib/confirm-dialog.js';
