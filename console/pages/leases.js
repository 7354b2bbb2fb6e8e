// The Leases & watchers page: every lease with its granted TTL, the time it has left (counting down
// live) and the keys attached to it; grant a lease, revoke one (which deletes its keys); and how
// many watchers each member serves, from the members' own metrics.
import { html, useState } from '../lib/html.js';
import { ConfirmAction } from './confirm-action.js';
import { memberLabel, useClusterOverview } from './cluster-data.js';
import { LEASE_DETAIL_LIMIT, leaseHex, ttlLeft, useLeases, useNow } from './lease-data.js';

function GrantForm({ api, refresh }) {
  const [ttl, setTtl] = useState('60');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const [granted, setGranted] = useState(undefined);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.gateway('lease/grant', { TTL: String(Number(ttl)) });
      if (r.error) throw new Error(r.error);
      setGranted({ hex: leaseHex(r.ID), ttl: Number(r.TTL) });
      refresh();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="card lease-grant" onSubmit=${submit} aria-labelledby="grant-title">
      <h2 id="grant-title">Grant a lease</h2>
      <div class="row">
        <label for="grant-ttl">TTL (seconds)</label>
        <input id="grant-ttl" type="number" min="1" max="9000000000" required value=${ttl} onInput=${(e) => setTtl(e.currentTarget.value)} />
        <button type="submit" disabled=${busy}>Grant lease</button>
      </div>
      ${granted ? html`<p role="status">Granted lease <code>${granted.hex}</code> with a TTL of ${granted.ttl} s. Attach keys to it with a put that names it.</p>` : null}
      ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    </form>
  `;
}

function LeaseRow({ api, session, lease, now, refresh }) {
  const left = ttlLeft(lease, now);
  // etcd's LeaseRevoke needs write permission on every key attached to the lease.
  const mayRevoke = lease.keys.every((k) => session.may('write', k));
  const low = left <= Math.min(10, lease.grantedTtl / 4);
  return html`<tr data-lease=${lease.hex}>
    <th scope="row" class="mono">${lease.hex}</th>
    <td>${lease.grantedTtl} s</td>
    <td><span class=${low ? 'badge warn' : ''} data-testid="ttl-left">${left} s</span></td>
    <td>
      ${lease.keys.length === 0
        ? html`<span class="muted">no keys</span>`
        : html`<ul class="lease-keys">${lease.keys.map((k) => html`<li class="mono">${k}</li>`)}</ul>`}
    </td>
    <td>
      ${mayRevoke
        ? html`<${ConfirmAction}
            label="Revoke"
            name=${`Revoke lease ${lease.hex}`}
            question=${`Revoke lease ${lease.hex}?`}
            detail=${lease.keys.length ? `Its ${lease.keys.length === 1 ? 'key is' : `${lease.keys.length} keys are`} deleted with it: ${lease.keys.slice(0, 5).join(', ')}${lease.keys.length > 5 ? ', …' : ''}.` : 'No key is attached to it.'}
            confirmLabel="Revoke"
            danger=${true}
            action=${() => api.gateway('lease/revoke', { ID: lease.id })}
            onDone=${refresh}
          />`
        : html`<span class="muted">may not revoke</span>`}
    </td>
  </tr>`;
}

function LeasesTable({ api, session, leases, total, refresh }) {
  const now = useNow();
  if (leases.length === 0) return html`<p class="muted">No leases.</p>`;
  return html`
    ${total > LEASE_DETAIL_LIMIT ? html`<p class="muted">Showing the first ${LEASE_DETAIL_LIMIT} of ${total} leases.</p>` : null}
    <div class="table-scroll">
      <table class="leases">
        <thead><tr><th scope="col">Lease ID</th><th scope="col">Granted TTL</th><th scope="col">TTL left</th><th scope="col">Keys</th><th scope="col">Actions</th></tr></thead>
        <tbody>${leases.map((l) => html`<${LeaseRow} key=${l.id} api=${api} session=${session} lease=${l} now=${now} refresh=${refresh} />`)}</tbody>
      </table>
    </div>
  `;
}

function Watchers({ api }) {
  const { overview, error } = useClusterOverview(api);
  return html`
    <section aria-labelledby="watchers-title">
      <h2 id="watchers-title">Watchers per member</h2>
      ${error ? html`<p role="alert" class="error">The members could not be asked: ${error.message}</p>` : null}
      ${overview
        ? html`<table class="watchers">
            <thead><tr><th scope="col">Member</th><th scope="col">Watchers</th><th scope="col">Slow watchers</th></tr></thead>
            <tbody>
              ${overview.members.map((m) => html`<tr data-member=${m.name}>
                <th scope="row">${memberLabel(m)}</th>
                ${m.reachable
                  ? html`<td data-testid="watchers">${m.metrics?.watchers ?? '–'}</td><td>${m.metrics?.slowWatchers ?? '–'}</td>`
                  : html`<td colspan="2"><span class="badge bad" title=${m.error}>unreachable</span></td>`}
              </tr>`)}
            </tbody>
          </table>`
        : error
          ? null
          : html`<p aria-busy="true">Asking the members…</p>`}
    </section>
  `;
}

export function LeasesPage({ api, session }) {
  const { leases, total, error, refresh } = useLeases(api);
  return html`
    <h1>Leases & watchers</h1>
    <div class="split leases-layout">
      <div>
        <${GrantForm} api=${api} refresh=${refresh} />
        <${Watchers} api=${api} />
      </div>
      <section aria-labelledby="leases-title">
        <h2 id="leases-title">Leases${leases ? html` <span class="muted">(${total})</span>` : null}</h2>
        ${error ? html`<p role="alert" class="error">The leases could not be read: ${error.message}</p>` : null}
        ${leases ? html`<${LeasesTable} api=${api} session=${session} leases=${leases} total=${total} refresh=${refresh} />` : error ? null : html`<p aria-busy="true">Reading the leases…</p>`}
      </section>
    </div>
  `;
}
