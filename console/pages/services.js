// The Services page: every service with its instances counted by health state, a service's
// instances with their checks and the checks' state changes, and the dependency graph — all live,
// from the registry's keys (services/use-registry.js).
import { html, useState } from '../lib/html.js';
import { DependencyGraph } from './services/dependency-graph.js';
import { InstanceCard } from './services/instance-card.js';
import { REGISTRY_START, SERVICES_PREFIX } from './services/registry-state.js';
import { useRegistry } from './services/use-registry.js';

const STATES = ['passing', 'warning', 'critical'];

function ServiceTable({ services, selected, filter, setFilter }) {
  const shown = filter ? services.filter((s) => s.name.toLowerCase().includes(filter.toLowerCase())) : services;
  const filterBox = html`<div class="row svc-filter">
    <label for="svc-filter">Filter</label>
    <input id="svc-filter" type="search" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} placeholder="service name" />
  </div>`;
  if (services.length === 0) return html`<p class="muted">No services registered. Register one with <code>lodestone service register</code>, Consul's <code>/v1/agent/service/register</code> or the client's <code>register()</code>.</p>`;
  return html`${services.length > 5 || filter ? filterBox : null}
  ${shown.length === 0 ? html`<p class="muted">No service name contains “${filter}”.</p>` : null}
  <table aria-labelledby="svc-list-heading">
    <thead><tr><th scope="col">Service</th><th scope="col">Instances</th>${STATES.map((s) => html`<th scope="col">${s[0].toUpperCase() + s.slice(1)}</th>`)}</tr></thead>
    <tbody>
      ${shown.map(
        (s) => html`<tr class=${s.name === selected ? 'svc-selected' : ''} data-service=${s.name}>
          <th scope="row"><a href=${`#/services/${encodeURIComponent(s.name)}`} aria-current=${s.name === selected ? 'true' : undefined}>${s.name}</a></th>
          <td>${s.instances.length}</td>
          ${STATES.map((st) => html`<td data-state=${st}>${s.counts[st] ? html`<span class=${`badge ${st}`}>${s.counts[st]}</span>` : html`<span class="muted">0</span>`}</td>`)}
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** "2 instances: 1 passing, 0 warning, 1 critical. Discovered by checkout." */
function summary(service, consumers) {
  const n = service.instances.length;
  const counts = STATES.map((s) => `${service.counts[s]} ${s}`).join(', ');
  const by = consumers.length ? ` Discovered by ${consumers.map((e) => e.consumer).join(', ')}.` : '';
  const threshold = service.protectThreshold ? ` Protect threshold ${service.protectThreshold}: below that share passing, ?passing answers every instance.` : '';
  return `${n} instance${n === 1 ? '' : 's'}: ${counts}.${by}${threshold}`;
}

/** Instance cards drawn at first, and added per "Show more": a service may have thousands. */
const PAGE = 25;

function ServiceDetail({ api, session, service, registry }) {
  const [only, setOnly] = useState('all');
  const [limit, setLimit] = useState(PAGE);
  if (!service) return html`<p class="muted">Pick a service to see its instances.</p>`;
  const consumers = registry.edges().filter((e) => e.service === service.name);
  const matching = only === 'all' ? service.instances : service.instances.filter((i) => i.status === only);
  const shown = matching.slice(0, limit);
  return html`
    <h2 id="svc-detail-heading">${service.name}</h2>
    <p class="muted">${summary(service, consumers)}</p>
    ${service.instances.length > 1
      ? html`<div class="row svc-only">
          <label for="svc-only">Show</label>
          <select id="svc-only" value=${only} onChange=${(e) => (setOnly(e.currentTarget.value), setLimit(PAGE))}>
            <option value="all">every instance</option>
            ${STATES.map((s) => html`<option value=${s}>${s} instances (${service.counts[s]})</option>`)}
          </select>
        </div>`
      : null}
    ${matching.length === 0 ? html`<p class="muted">No ${only} instance.</p>` : null}
    ${shown.map((i) => html`<${InstanceCard} key=${i.id} api=${api} session=${session} instance=${i} />`)}
    ${matching.length > shown.length
      ? html`<button type="button" class="ghost" onClick=${() => setLimit(limit + PAGE)}>Show ${Math.min(PAGE, matching.length - shown.length)} more of ${matching.length - shown.length}</button>`
      : null}
  `;
}

export function ServicesPage({ api, session, route }) {
  // The page reads every registry key: consumers, health, settings and instances.
  const mayRead = session.may('read', REGISTRY_START) && session.may('read', SERVICES_PREFIX);
  const { registry, error, live } = useRegistry(api, mayRead);
  const [filter, setFilter] = useState('');
  const graphView = route.query.get('view') === 'graph';
  const services = registry ? registry.services() : [];
  const selectedName = route.path[0] ?? services[0]?.name;
  const selected = services.find((s) => s.name === selectedName);

  return html`
    <div class="svc-title">
      <h1>Services</h1>
      <span class="muted">${!mayRead ? '' : registry ? (live ? `live · revision ${registry.revision}` : 'reconnecting…') : 'reading the registry…'}</span>
      ${registry?.compactedBefore ? html`<span class="muted">history before revision ${registry.compactedBefore} was compacted</span>` : null}
    </div>
    <nav class="svc-tabs" aria-label="Services views">
      <a href=${selectedName ? `#/services/${encodeURIComponent(selectedName)}` : '#/services'} aria-current=${graphView ? undefined : 'page'}>Instances</a>
      <a href="#/services?view=graph" aria-current=${graphView ? 'page' : undefined}>Dependency graph</a>
    </nav>
    ${mayRead ? null : html`<p role="alert" class="error">You may not read the service registry's keys (<code>/lodestone/consumers/</code> to <code>/lodestone/services/</code>): ask for a role that may.</p>`}
    ${error ? html`<p role="alert" class="error">The registry could not be read: ${error.message}</p>` : null}
    ${!registry
      ? null
      : graphView
        ? html`<section aria-labelledby="svc-graph-heading">
            <h2 id="svc-graph-heading">Who discovers whom</h2>
            <${DependencyGraph} edges=${registry.edges()} services=${services} />
          </section>`
        : html`<div class="svc-split">
            <section class="card" aria-labelledby="svc-list-heading">
              <h2 id="svc-list-heading">All services</h2>
              <${ServiceTable} services=${services} selected=${selected?.name} filter=${filter} setFilter=${setFilter} />
            </section>
            <section aria-labelledby="svc-detail-heading">
              ${route.path[0] && !selected ? html`<p role="alert" class="error">No service ${route.path[0]} is registered (any more).</p>` : html`<${ServiceDetail} key=${selected?.name} api=${api} session=${session} service=${selected} registry=${registry} />`}
            </section>
          </div>`}
  `;
}
