// The draft: its items beside the running release's (what a publish would change), an editor for one
// item (text, JSON or YAML; the server checks that JSON and YAML parse), and the publish panel.
import { html, useState } from '../../lib/html.js';
import { ErrorAlert, nsPath, useAction } from './config-common.js';
import { PublishPanel } from './publish-panel.js';

const FORMATS = ['text', 'json', 'yaml'];

/** added / changed / unchanged / removed: each item of the draft against the running release. */
function draftRows(draft, running) {
  const names = [...new Set([...Object.keys(draft), ...Object.keys(running)])].sort();
  return names.map((name) => {
    const d = draft[name];
    const r = running[name];
    const change = !r ? 'added' : !d ? 'removed' : d.value !== r.value || d.format !== r.format ? 'changed' : 'unchanged';
    return { name, item: d ?? r, change };
  });
}

const CHANGE_BADGE = { added: 'ok', changed: 'warn', removed: 'bad' };

function ItemEditor({ api, ns, editing, onDone }) {
  const [name, setName] = useState(editing.name);
  const [format, setFormat] = useState(editing.format);
  const [value, setValue] = useState(editing.value);
  const action = useAction();
  const save = (e) => {
    e.preventDefault();
    action.run(async () => {
      await api.request('PUT', nsPath(ns, `/items/${encodeURIComponent(name.trim())}`), { value, format });
      onDone();
    });
  };
  const tidyJson = () => {
    try {
      setValue(JSON.stringify(JSON.parse(value), null, 2));
      action.setError(undefined);
    } catch (err) {
      action.setError(new Error(`not JSON: ${err.message}`));
    }
  };
  return html`<form class="card config-editor" onSubmit=${save} aria-labelledby="config-editor-title">
    <h2 id="config-editor-title">${editing.isNew ? 'Add an item to the draft' : `Edit ${editing.name}`}</h2>
    <div class="config-fields">
      <label for="config-item-name">Item</label>
      <input id="config-item-name" value=${name} onInput=${(e) => setName(e.target.value)} readonly=${!editing.isNew} required pattern="[A-Za-z0-9._\\-]{1,256}" />
      <label for="config-item-format">Format</label>
      <select id="config-item-format" value=${format} onChange=${(e) => setFormat(e.target.value)}>
        ${FORMATS.map((f) => html`<option value=${f}>${f}</option>`)}
      </select>
    </div>
    <label for="config-item-value">Value</label>
    <textarea id="config-item-value" value=${value} onInput=${(e) => setValue(e.target.value)} rows=${Math.min(16, Math.max(4, value.split('\n').length + 1))} spellcheck="false"></textarea>
    <div class="row">
      <button type="submit" disabled=${action.busy || !name.trim()}>Save to the draft</button>
      ${format === 'json' ? html`<button type="button" class="ghost" onClick=${tidyJson}>Indent the JSON</button>` : null}
      <button type="button" class="ghost" onClick=${onDone}>Cancel</button>
    </div>
    <${ErrorAlert} error=${action.error} label="Not saved" />
  </form>`;
}

export function DraftView({ api, ns, state, may, reload }) {
  const [editing, setEditing] = useState(undefined);
  const action = useAction();
  const rows = draftRows(state.view.draft, state.view.current?.items ?? {});
  const remove = (name) =>
    action.run(async () => {
      await api.request('DELETE', nsPath(ns, `/items/${encodeURIComponent(name)}`));
      reload();
    });
  const done = () => {
    setEditing(undefined);
    reload();
  };
  return html`<div class="config-draft">
    <div class="card">
      <div class="config-head">
        <h2>Draft items</h2>
        ${may.draft ? html`<button type="button" onClick=${() => setEditing({ isNew: true, name: '', format: 'text', value: '' })}>Add item</button>` : null}
      </div>
      <${ErrorAlert} error=${action.error} label="Not deleted" />
      ${rows.length === 0
        ? html`<p class="muted">The draft is empty.</p>`
        : html`<table class="config-items">
            <thead><tr><th scope="col">Item</th><th scope="col">Format</th><th scope="col">Value</th><th scope="col">Against release ${state.view.current?.release ?? '–'}</th>${may.draft ? html`<th scope="col"><span class="config-sr-only">Actions</span></th>` : null}</tr></thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr key=${r.name} class=${r.change === 'removed' ? 'config-removed' : ''}>
                  <th scope="row"><code>${r.name}</code></th>
                  <td>${r.item.format}</td>
                  <td><pre class="config-value">${r.item.value}</pre></td>
                  <td>${r.change === 'unchanged' ? html`<span class="muted">unchanged</span>` : html`<span class=${`badge ${CHANGE_BADGE[r.change]}`}>${r.change === 'removed' ? 'deleted in the draft' : r.change}</span>`}</td>
                  ${may.draft
                    ? html`<td class="config-actions">
                        ${r.change !== 'removed'
                          ? html`<button type="button" class="ghost" aria-label=${`Edit ${r.name}`} onClick=${() => setEditing({ isNew: false, ...r.item, name: r.name })}>Edit</button>
                              <button type="button" class="ghost" aria-label=${`Delete ${r.name}`} disabled=${action.busy} onClick=${() => remove(r.name)}>Delete</button>`
                          : null}
                      </td>`
                    : null}
                </tr>`,
              )}
            </tbody>
          </table>`}
    </div>
    ${editing ? html`<${ItemEditor} key=${editing.name || 'new'} api=${api} ns=${ns} editing=${editing} onDone=${done} />` : null}
    <${PublishPanel} api=${api} ns=${ns} state=${state} may=${may} reload=${reload} />
  </div>`;
}
