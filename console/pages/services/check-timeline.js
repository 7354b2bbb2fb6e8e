// A check's state changes over time: a strip whose segments are as long as each state lasted, and
// the list of changes, newest first — each version of the check's health key is one change.
import { html } from '../../lib/html.js';

const SHOWN = 8;

export function formatTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

export function CheckTimeline({ check }) {
  const entries = check.timeline;
  if (entries.length === 0) return html`<p class="muted svc-timeline-empty">No state recorded yet: the check is ${check.status} until its first result.</p>`;
  const now = Date.now();
  const segments = entries.map((e, i) => ({ status: e.status, length: Math.max(1, (entries[i + 1]?.since ?? now) - e.since) }));
  const newestFirst = [...entries].reverse().slice(0, SHOWN);
  const label = `State changes of ${check.name}`;
  return html`
    <div class="svc-strip" aria-hidden="true">
      ${segments.map((s) => html`<span class=${`svc-seg ${s.status}`} style=${{ flexGrow: s.length }}></span>`)}
    </div>
    <ol class="svc-timeline" aria-label=${label}>
      ${newestFirst.map((e) => {
        const index = entries.indexOf(e);
        const before = entries[index - 1];
        return html`<li>
          <time datetime=${new Date(e.since).toISOString()} title=${new Date(e.since).toISOString()}>${formatTime(e.since)}</time>
          ${before && before.status === e.status && before.since === e.since
            ? html`<span class="svc-change"><span class="muted">kept on re-registration</span> <span class=${`badge ${e.status}`}>${e.status}</span></span>`
            : before
            ? html`<span class="svc-change"><span class=${`badge ${before.status}`}>${before.status}</span> → <span class=${`badge ${e.status}`}>${e.status}</span></span>`
            : html`<span class="svc-change"><span class="muted">${e.version === 1 ? 'registered as' : 'state'}</span> <span class=${`badge ${e.status}`}>${e.status}</span></span>`}
          <span class="svc-output mono">${e.output || html`<span class="muted">no output</span>`}</span>
          <span class="muted">rev ${e.revision}</span>
        </li>`;
      })}
    </ol>
    ${entries.length > SHOWN ? html`<p class="muted">${entries.length - SHOWN} older change${entries.length - SHOWN === 1 ? '' : 's'} not shown.</p>` : null}
  `;
}
