// One namespace: its state read live (the namespace, its history, who runs what, and whether the
// draft passes the schema), and the views over it as tabs — each a link, so every view has an address.
import { html } from '../../lib/html.js';
import { ErrorAlert, configHash, formatTime, kindText, liveKeys, namespaceKeys, nsPath, useLive } from './config-common.js';
import { DraftView } from './draft-view.js';
import { ReleasesView } from './releases-view.js';
import { DiffView } from './diff-view.js';
import { SchemaView } from './schema-view.js';
import { GrayView } from './gray-view.js';
import { StatusView } from './status-view.js';

const VIEWS = [
  { id: 'draft', title: 'Draft', component: DraftView },
  { id: 'releases', title: 'Releases', component: ReleasesView },
  { id: 'diff', title: 'Diff', component: DiffView },
  { id: 'gray', title: 'Gray release', component: GrayView },
  { id: 'status', title: 'Instances', component: StatusView },
  { id: 'schema', title: 'Schema', component: SchemaView },
];

/** What the user may change here (the server checks each key anyway). */
function permissionsFor(session, ns) {
  const keys = namespaceKeys(ns);
  const publish = session.may('write', `${keys}current`) && session.may('write', `${keys}releases/`) && session.may('write', liveKeys(ns));
  return {
    draft: session.may('write', `${keys}draft/`),
    publish,
    gray: publish && session.may('write', `${keys}gray`),
    schema: session.may('write', `${keys}schema`),
  };
}

async function loadNamespace(api, ns) {
  const [view, history, status, validation] = await Promise.all([
    api.get(nsPath(ns)),
    api.get(nsPath(ns, '/releases')),
    api.get(nsPath(ns, '/status')),
    api.get(nsPath(ns, '/validate?release=draft')),
  ]);
  return { view, releases: history.releases, status, validation };
}

export function NamespacePage({ api, session, route, navigate, ns }) {
  const live = useLive(api, namespaceKeys(ns), () => loadNamespace(api, ns), [ns]);
  const viewId = route.query.get('view') ?? 'draft';
  const current = VIEWS.find((v) => v.id === viewId) ?? VIEWS[0];
  const View = current.component;
  const state = live.data;
  const running = state?.view.current?.release ?? 0;
  return html`<section class="config-page" aria-labelledby="config-ns-title">
    <p class="config-crumbs"><a href=${configHash()}>Configuration</a> / <span>${ns}</span></p>
    <h1 id="config-ns-title">${ns}</h1>
    ${state
      ? html`<p class="config-summary">
          ${running
            ? html`<span>release <strong>${running}</strong> runs</span>
                <span class="muted">${kindText(state.view.current)} by ${state.view.current.author}, ${formatTime(state.view.current.time)}${state.view.current.message ? ` — ${state.view.current.message}` : ''}</span>`
            : html`<span class="muted">no release yet</span>`}
          ${state.view.gray ? html`<span class="badge warn">gray release ${state.view.gray.release} under way</span>` : null}
          ${state.view.draftChanged ? html`<span class="badge warn">the draft has unpublished changes</span>` : html`<span class="badge ok">the draft is published</span>`}
          ${state.view.schema ? html`<a href=${configHash(ns, 'schema')}>checked by a schema</a>` : null}
        </p>`
      : null}
    <nav aria-label="Namespace views" class="config-tabs">
      ${VIEWS.map((v) => html`<a href=${configHash(ns, v.id)} aria-current=${v === current ? 'page' : undefined}>${v.title}</a>`)}
    </nav>
    <${ErrorAlert} error=${live.error} label=${`${ns} could not be read`} />
    ${state
      ? html`<${View} api=${api} ns=${ns} state=${state} may=${permissionsFor(session, ns)} route=${route} navigate=${navigate} reload=${live.reload} />`
      : live.error
        ? null
        : html`<p aria-busy="true">Loading…</p>`}
  </section>`;
}
