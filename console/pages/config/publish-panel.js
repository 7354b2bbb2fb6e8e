// Publishing the draft: the schema check shown before anything is published (the config API's dry
// run, the same check the publish makes, kept live as the draft changes), a message, and the publish
// itself — which asks again first and publishes only a draft that passes.
import { html, useState } from '../../lib/html.js';
import { ErrorAlert, Violations, configHash, nsPath, useAction } from './config-common.js';

function SchemaCheck({ validation }) {
  if (!validation.hasSchema) return html`<p class="muted">The namespace has no schema: nothing to check before publishing.</p>`;
  if (validation.valid) return html`<p><span class="badge ok">passes the schema</span> <span class="muted">The draft conforms to the namespace's schema.</span></p>`;
  return html`<div role="alert" class="config-alert error" aria-label="Schema violations">
    <p><strong>The draft fails the namespace's schema</strong> — publishing it would be refused:</p>
    <${Violations} errors=${validation.errors} />
  </div>`;
}

export function PublishPanel({ api, ns, state, may, reload }) {
  const [message, setMessage] = useState('');
  const [published, setPublished] = useState(undefined);
  const action = useAction();
  const [checked, setChecked] = useState(undefined);
  // The live check, or the one made on pressing publish while it is newer.
  const validation = checked && checked.revision >= state.validation.revision ? checked : state.validation;
  const running = state.view.current?.release ?? 0;
  const publish = (e) => {
    e.preventDefault();
    setPublished(undefined);
    action.run(async () => {
      const fresh = await api.get(nsPath(ns, '/validate?release=draft'));
      setChecked(fresh);
      if (!fresh.valid) return;
      const answer = await api.request('POST', nsPath(ns, '/publish'), { message, expectRelease: running });
      setPublished(answer.unchanged ? `Nothing to publish: release ${answer.release.release} already has the draft's items.` : `Published release ${answer.release.release}.`);
      setMessage('');
      reload();
    });
  };
  return html`<form class="card config-publish" onSubmit=${publish} aria-labelledby="config-publish-title">
    <h2 id="config-publish-title">Publish the draft</h2>
    <${SchemaCheck} validation=${validation} />
    ${may.publish
      ? html`<div class="config-fields">
            <label for="config-publish-message">Message</label>
            <input id="config-publish-message" value=${message} onInput=${(e) => setMessage(e.target.value)} placeholder="what changed and why" />
          </div>
          <div class="row">
            <button type="submit" disabled=${action.busy || !validation.valid || !state.view.draftChanged}>Publish</button>
            ${state.view.draftChanged
              ? html`<a href=${configHash(ns, 'diff', { from: 'current', to: 'draft' })}>What a publish would change</a>`
              : html`<span class="muted">The draft has no change to publish.</span>`}
          </div>`
      : html`<p class="muted">You may not publish this namespace.</p>`}
    ${published ? html`<p role="status" class="config-done">${published}</p>` : null}
    <${ErrorAlert} error=${action.error} label="Not published" />
  </form>`;
}
