// One instance: where it is, how it is registered (ephemeral on a lease or persistent), its tags,
// metadata and weights, and each check with its last output and its state changes.
import { html } from '../../lib/html.js';
import { CheckTimeline, formatTime } from './check-timeline.js';
import { DeregisterButton } from './deregister-dialog.js';
import { SERVICES_PREFIX } from './registry-state.js';

const leaseHex = (lease) => BigInt(lease).toString(16);

export function InstanceCard({ api, session, instance }) {
  const headingId = `inst-${instance.service}-${instance.id}`;
  // Deregistering deletes the instance's key and its checks' states.
  const mayWrite = session.may('write', `${SERVICES_PREFIX}${instance.service}/${instance.id}`) && session.may('write', `/lodestone/health/${instance.service}/${instance.id}/`);
  const meta = Object.entries(instance.meta);
  return html`
    <article class="card svc-instance" aria-labelledby=${headingId} data-instance=${instance.id}>
      <div class="svc-instance-head">
        <h3 id=${headingId}>${instance.id} <span class=${`badge ${instance.status}`}>${instance.status}</span></h3>
        <span class="mono">${instance.address || '—'}:${instance.port}</span>
        ${mayWrite ? html`<span class="svc-push"><${DeregisterButton} api=${api} instance=${instance} /></span>` : null}
      </div>
      <dl class="svc-facts">
        <div><dt>Registration</dt><dd>${instance.lease ? html`ephemeral <span class="muted">(lease <code>${leaseHex(instance.lease)}</code>)</span>` : 'persistent'}</dd></div>
        <div><dt>Weights</dt><dd>passing ${instance.weights.passing} · warning ${instance.weights.warning}</dd></div>
        <div><dt>Tags</dt><dd>${instance.tags.length ? instance.tags.map((t) => html`<span class="svc-tag">${t}</span>`) : html`<span class="muted">none</span>`}</dd></div>
        <div><dt>Metadata</dt><dd>${meta.length ? meta.map(([k, v]) => html`<code class="svc-tag">${k}=${v}</code>`) : html`<span class="muted">none</span>`}</dd></div>
        <div><dt>Revision</dt><dd>${instance.modRevision}</dd></div>
      </dl>
      ${instance.checks.length === 0
        ? html`<p class="muted">No checks: the instance counts as passing.</p>`
        : instance.checks.map(
            (c) => html`<section class="svc-check" aria-label=${`Check ${c.name}`}>
              <div class="svc-check-head">
                <h4>${c.name}</h4>
                <span class=${`badge ${c.status}`}>${c.status}</span>
                <span class="muted">${c.kind} · ${c.target}${c.intervalMs ? ` · every ${c.intervalMs / 1000} s` : ''}</span>
                <span class="muted svc-push">since ${formatTime(c.since)}</span>
              </div>
              <p class="svc-last-output">Last output: <span class="mono">${c.output || html`<span class="muted">none yet</span>`}</span></p>
              <${CheckTimeline} check=${c} />
            </section>`,
          )}
    </article>
  `;
}
