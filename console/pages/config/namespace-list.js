// Every namespace with the release it runs and its gray release, live; and a new namespace, made the
// way the config center makes one: by adding its first item to a draft.
import { html, useState } from '../../lib/html.js';
import { CONFIG_API, ErrorAlert, configHash, nsPath, useAction, useLive } from './config-common.js';

/** "app", "app/env" → "app/default/default", "app/env/default", as the config center reads them. */
function fullName(text) {
  const parts = text.trim().replace(/^\/+|\/+$/g, '').split('/');
  while (parts.length < 3) parts.push('default');
  return parts.join('/');
}

function CreateNamespace({ api, session, navigate }) {
  const [name, setName] = useState('');
  const [item, setItem] = useState('');
  const [value, setValue] = useState('');
  const action = useAction();
  const ns = name.trim() ? fullName(name) : '';
  if (!session.may('write', '/lodestone/namespaces/')) return null;
  const submit = (e) => {
    e.preventDefault();
    action.run(async () => {
      await api.request('PUT', nsPath(ns, `/items/${encodeURIComponent(item.trim())}`), { value, format: 'text' });
      navigate(configHash(ns, 'draft'));
    });
  };
  return html`<form class="card config-create" onSubmit=${submit} aria-labelledby="config-create-title">
    <h2 id="config-create-title">New namespace</h2>
    <p class="muted">A namespace is made by adding its first item to its draft; publish the draft to make release 1.</p>
    <div class="config-fields">
      <label for="config-new-ns">Namespace</label>
      <input id="config-new-ns" placeholder="app[/env[/cluster]]" value=${name} onInput=${(e) => setName(e.target.value)} required />
      <label for="config-new-item">First item</label>
      <input id="config-new-item" placeholder="max_connections" value=${item} onInput=${(e) => setItem(e.target.value)} required />
      <label for="config-new-value">Its value</label>
      <input id="config-new-value" value=${value} onInput=${(e) => setValue(e.target.value)} />
    </div>
    <div class="row">
      <button type="submit" disabled=${action.busy || !ns || !item.trim()}>Create namespace</button>
      ${ns ? html`<span class="muted">as <code>${ns}</code></span>` : null}
    </div>
    <${ErrorAlert} error=${action.error} label="Not created" />
  </form>`;
}

export function NamespaceList({ api, session, navigate }) {
  const live = useLive(api, '/lodestone/namespaces/', () => api.get(CONFIG_API), []);
  const namespaces = live.data?.namespaces;
  return html`<section class="config-page" aria-labelledby="config-title">
    <h1 id="config-title">Configuration</h1>
    <div class="split">
      <div class="card">
        <h2>Namespaces</h2>
        <${ErrorAlert} error=${live.error} label="The namespaces could not be read" />
        ${namespaces === undefined && !live.error ? html`<p aria-busy="true">Loading…</p>` : null}
        ${namespaces?.length === 0 ? html`<p class="muted">No namespace yet.</p>` : null}
        ${namespaces?.length
          ? html`<table>
              <thead><tr><th scope="col">Namespace</th><th scope="col">Release</th><th scope="col">Gray release</th></tr></thead>
              <tbody>
                ${namespaces.map(
                  (n) => html`<tr key=${n.namespace}>
                    <td><a href=${configHash(n.namespace)}>${n.namespace}</a></td>
                    <td>${n.release === 0 ? html`<span class="muted">none yet</span>` : n.release}</td>
                    <td>${n.gray === null ? html`<span class="muted">–</span>` : html`<span class="badge warn">gray ${n.gray}</span>`}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : null}
      </div>
      <${CreateNamespace} api=${api} session=${session} navigate=${navigate} />
    </div>
  </section>`;
}
