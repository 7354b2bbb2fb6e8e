// Two item sets side by side — any two releases, or a release and the draft: item by item (added,
// removed, changed), and within a changed item line by line.
import { html, useEffect, useState } from '../../lib/html.js';
import { sideBySide } from '../../lib/line-diff.js';
import { ErrorAlert, configHash, nsPath } from './config-common.js';

const refText = (ref) => (ref === 'draft' ? 'the draft' : ref === 0 ? 'no release' : `release ${ref}`);

/** The pair to show when the address names none: what a publish would change, else the last release's change. */
function defaultPair(state) {
  const running = state.view.current?.release ?? 0;
  if (state.view.draftChanged || running === 0) return { from: running ? String(running) : 'current', to: 'draft' };
  const previous = state.releases.find((r) => r.release < running);
  return { from: previous ? String(previous.release) : String(running), to: String(running) };
}

function Side({ side }) {
  if (!side) return html`<td class="config-ln"></td><td class="config-line config-empty"></td>`;
  const cls = side.type === 'del' ? 'diff-del' : side.type === 'add' ? 'diff-add' : '';
  const mark = side.type === 'del' ? '−' : side.type === 'add' ? '+' : ' ';
  return html`<td class=${`config-ln ${cls}`}>${side.n}</td><td class=${`config-line ${cls}`}><span class="config-mark" aria-hidden="true">${mark}</span>${side.text}</td>`;
}

function ChangedItem({ change, from, to }) {
  const before = change.before?.value ?? '';
  const after = change.after?.value ?? '';
  const rows = sideBySide(change.change === 'added' ? '' : before, change.change === 'removed' ? '' : after);
  const badge = change.change === 'added' ? 'ok' : change.change === 'removed' ? 'bad' : 'warn';
  const formatChange = change.before && change.after && change.before.format !== change.after.format;
  return html`<section class="card config-diff-item" aria-label=${`${change.item} ${change.change}`}>
    <h3><code>${change.item}</code> <span class=${`badge ${badge}`}>${change.change}</span>
      ${formatChange ? html` <span class="muted">format ${change.before.format} → ${change.after.format}</span>` : null}</h3>
    <table class="config-sbs">
      <caption class="config-sr-only">${change.item}: ${refText(from)} beside ${refText(to)}</caption>
      <colgroup><col class="config-ln-col" /><col /><col class="config-ln-col" /><col /></colgroup>
      <thead><tr><th scope="col" colspan="2">${refText(from)}</th><th scope="col" colspan="2">${refText(to)}</th></tr></thead>
      <tbody>
        ${rows.map((r) => html`<tr><${Side} side=${r.left} /><${Side} side=${r.right} /></tr>`)}
      </tbody>
    </table>
  </section>`;
}

export function DiffView({ api, ns, state, route, navigate }) {
  const fallback = defaultPair(state);
  const from = route.query.get('from') ?? fallback.from;
  const to = route.query.get('to') ?? fallback.to;
  const [answer, setAnswer] = useState(undefined);
  const [error, setError] = useState(undefined);
  useEffect(() => {
    let stale = false;
    api.get(nsPath(ns, `/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).then(
      (a) => !stale && (setAnswer(a), setError(undefined)),
      (err) => !stale && setError(err),
    );
    return () => {
      stale = true;
    };
    // Again when the namespace changes: the draft or `current` may be one side.
  }, [api, ns, from, to, state.view.revision]);
  const choices = [{ value: 'draft', label: 'the draft' }, { value: 'current', label: 'the current release' }, ...state.releases.map((r) => ({ value: String(r.release), label: `release ${r.release}` }))];
  const pick = (side, value) => navigate(configHash(ns, 'diff', { from, to, [side]: value }));
  return html`<div>
    <div class="card row" role="group" aria-label="What to compare">
      <label for="config-diff-from">From</label>
      <select id="config-diff-from" value=${from} onChange=${(e) => pick('from', e.target.value)}>${choices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select>
      <label for="config-diff-to">to</label>
      <select id="config-diff-to" value=${to} onChange=${(e) => pick('to', e.target.value)}>${choices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select>
      <button type="button" class="ghost" onClick=${() => navigate(configHash(ns, 'diff', { from: to, to: from }))}>Swap</button>
    </div>
    <${ErrorAlert} error=${error} label="The diff could not be read" />
    ${answer
      ? html`<h2>${refText(answer.from)} → ${refText(answer.to)}: ${answer.changes.length === 0 ? 'no change' : `${answer.changes.length} item${answer.changes.length === 1 ? '' : 's'} changed`}</h2>
          ${answer.changes.map((c) => html`<${ChangedItem} key=${c.item} change=${c} from=${answer.from} to=${answer.to} />`)}`
      : null}
  </div>`;
}
