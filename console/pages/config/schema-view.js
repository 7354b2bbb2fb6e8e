// The namespace's JSON Schema: shown, replaced (the server refuses one the running release fails,
// listing why, unless the user chooses to force it), or removed after a confirmation.
import { html, useEffect, useState } from '../../lib/html.js';
import { ConfirmDialog, ErrorAlert, formatTime, nsPath, useAction } from './config-common.js';

const pretty = (schema) => (schema ? JSON.stringify(schema, null, 2) : '');

export function SchemaView({ api, ns, state, may, reload }) {
  const stored = state.view.schema;
  const [text, setText] = useState(pretty(stored?.schema));
  const [edited, setEdited] = useState(false);
  const [force, setForce] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saved, setSaved] = useState(undefined);
  const action = useAction();
  // Follow the stored schema live unless the user is editing it.
  useEffect(() => {
    if (!edited) setText(pretty(stored?.schema));
  }, [stored?.revision]);
  const refusedByRelease = action.error?.code === 'CONFIG_SCHEMA_INVALID';
  const save = (e) => {
    e.preventDefault();
    setSaved(undefined);
    action.run(async () => {
      let schema;
      try {
        schema = JSON.parse(text);
      } catch (err) {
        throw new Error(`the schema is not JSON: ${err.message}`);
      }
      const answer = await api.request('PUT', nsPath(ns, '/schema'), { schema, force: force || undefined });
      setEdited(false);
      setForce(false);
      setSaved(`Schema saved (revision ${answer.revision}).`);
      reload();
    });
  };
  const remove = () =>
    action.run(async () => {
      await api.request('DELETE', nsPath(ns, '/schema'));
      setConfirmDelete(false);
      setEdited(false);
      setSaved('Schema removed.');
      reload();
    });
  return html`<form class="card config-schema" onSubmit=${save} aria-labelledby="config-schema-title">
    <h2 id="config-schema-title">Schema</h2>
    <p class="muted">${stored ? `A JSON Schema for the object { item: value }, set by ${stored.author} at ${formatTime(stored.time)}. Every publish, rollback and gray release must pass it.` : 'No schema: any items may be published. A JSON Schema here is checked on every publish.'}</p>
    <label for="config-schema-text">JSON Schema</label>
    <textarea id="config-schema-text" rows="14" spellcheck="false" readonly=${!may.schema} value=${text} onInput=${(e) => (setText(e.target.value), setEdited(true))}></textarea>
    ${may.schema
      ? html`<div class="row">
          <button type="submit" disabled=${action.busy || text.trim() === ''}>Save schema</button>
          ${refusedByRelease
            ? html`<label class="config-check"><input type="checkbox" checked=${force} onChange=${(e) => setForce(e.target.checked)} /> Save it although the running release fails it</label>`
            : null}
          ${stored ? html`<button type="button" class="ghost" onClick=${() => setConfirmDelete(true)}>Remove schema…</button>` : null}
        </div>`
      : html`<p class="muted">You may not change this namespace's schema.</p>`}
    ${saved ? html`<p role="status" class="config-done">${saved}</p>` : null}
    <${ErrorAlert} error=${action.error} label="Not saved" />
    <${ConfirmDialog} open=${confirmDelete} title="Remove the schema" confirmLabel="Remove schema" danger=${true} busy=${action.busy} onConfirm=${remove} onCancel=${() => setConfirmDelete(false)}>
      <p>Releases of ${ns} will no longer be checked against a schema.</p>
    </${ConfirmDialog}>
  </form>`;
}
