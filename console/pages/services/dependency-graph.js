// The dependency graph: who discovers whom, from the consumer keys discovering processes keep.
// Drawn as an SVG (graph-layout.js places it) whose service nodes are links to the service, and
// told again as a table of edges, which is what screen readers and keyboards get the most from.
import { html, useMemo } from '../../lib/html.js';
import { layoutGraph, NODE } from './graph-layout.js';

/** A node's look from its service's instances: none registered, all passing, some, none passing. */
function nodeState(service) {
  if (!service || service.instances.length === 0) return { cls: 'unregistered', text: 'no instances' };
  const { passing, critical } = service.counts;
  const total = service.instances.length;
  const cls = passing === total ? 'passing' : critical === total ? 'critical' : 'warning';
  return { cls, text: `${passing}/${total} passing` };
}

const processes = (n) => `${n} process${n === 1 ? '' : 'es'}`;

export function DependencyGraph({ edges, services }) {
  const layout = useMemo(() => layoutGraph(edges), [JSON.stringify(edges.map((e) => [e.consumer, e.service, e.processes.length]))]);
  const byName = new Map(services.map((s) => [s.name, s]));
  if (edges.length === 0) {
    return html`<p class="muted">No consumers recorded. A process that discovers a service (the Node.js client's <code>discover()</code>) records
      itself under <code>/lodestone/consumers/</code> while it runs; its edges appear here then.</p>`;
  }
  return html`
    <p class="muted">An arrow goes from a process's program to the service it discovers (×n: n processes); a dashed arc closes a cycle.
      A box's colour is its service's health; a dashed box has no instances. Each box leads to its service.</p>
    <div class="card svc-graph-card">
      <svg class="svc-graph" width=${layout.width} height=${layout.height} viewBox=${`0 0 ${layout.width} ${layout.height}`} role="group" aria-label="Dependency graph: each arrow goes from a consumer to the service it discovers">
        <defs>
          <marker id="svc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="svc-arrow-head" />
          </marker>
        </defs>
        ${layout.edges.map(
          (e) => html`<g class=${`svc-edge${e.back ? ' back' : ''}`}>
            <title>${e.consumer} discovers ${e.service} (${processes(e.processes.length)})${e.back ? ', closing a cycle' : ''}</title>
            <path d=${e.path} marker-end="url(#svc-arrow)" />
            ${e.processes.length > 1 ? html`<text x=${e.labelX} y=${e.labelY} text-anchor="middle" class="svc-edge-label">×${e.processes.length}</text>` : null}
          </g>`,
        )}
        ${layout.nodes.map((n) => {
          const state = nodeState(byName.get(n.name));
          return html`<a href=${`#/services/${encodeURIComponent(n.name)}`} class=${`svc-node ${state.cls}`} aria-label=${`${n.name}: ${state.text}`}>
            <rect x=${n.x} y=${n.y} width=${NODE.width} height=${NODE.height} rx="6" />
            <text x=${n.x + 10} y=${n.y + 15} class="svc-node-name">${n.name.length > 20 ? `${n.name.slice(0, 19)}…` : n.name}</text>
            <text x=${n.x + 10} y=${n.y + 28} class="svc-node-sub">${state.text}</text>
          </a>`;
        })}
      </svg>
    </div>
    <h3 id="svc-edges-heading">Edges</h3>
    <table aria-labelledby="svc-edges-heading">
      <thead><tr><th scope="col">Consumer</th><th scope="col">Discovers</th><th scope="col">Processes</th><th scope="col">Where</th></tr></thead>
      <tbody>
        ${layout.edges.map(
          (e) => html`<tr>
            <td>${e.consumer}</td>
            <td><a href=${`#/services/${encodeURIComponent(e.service)}`}>${e.service}</a>${e.back ? html` <span class="muted">(cycle)</span>` : null}</td>
            <td>${e.processes.length}</td>
            <td class="mono">${e.processes.map((p) => (p.host ? `${p.host}:${p.pid}` : p.process)).join(', ')}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  `;
}
