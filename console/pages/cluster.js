// The Cluster page: every member with its role, raft term and indexes, database sizes, health and
// alarms, live (each member asked every 2 s through /ui/api/cluster); the leader changes seen
// while the page is open; and for root, moving the leader, defragmenting, disarming alarms.
import { html } from '../lib/html.js';
import { leaderOf, memberLabel, useClusterOverview } from './cluster-data.js';
import { MembersTable } from './cluster-members.js';
import { Alarms } from './cluster-alarms.js';
import { LeaderChanges, useLeaderChanges } from './cluster-leader-changes.js';

function Summary({ overview, leader }) {
  const down = overview.members.filter((m) => !m.reachable).length;
  return html`<p class="cluster-summary" aria-live="polite">
    <span>Leader: <strong data-testid="leader">${leader ? memberLabel(leader) : 'none'}</strong></span>
    <span>${overview.members.length} members${down ? html`, <span class="badge bad">${down} unreachable</span>` : null}</span>
    <span class="muted">updated ${new Date(overview.at).toLocaleTimeString()} by ${overview.member}</span>
  </p>`;
}

export function ClusterPage({ api, session }) {
  const { overview, error, refresh } = useClusterOverview(api);
  const leader = leaderOf(overview);
  const changes = useLeaderChanges(overview);
  return html`
    <h1>Cluster</h1>
    ${error ? html`<p role="alert" class="error">The cluster's state could not be read: ${error.message}${overview ? ' (showing the last answer)' : ''}</p>` : null}
    ${!overview
      ? error
        ? null
        : html`<p aria-busy="true">Asking the members…</p>`
      : html`
          <${Summary} overview=${overview} leader=${leader} />
          <section aria-labelledby="members-title">
            <h2 id="members-title">Members</h2>
            <${MembersTable} api=${api} session=${session} overview=${overview} leader=${leader} refresh=${refresh} />
          </section>
          <${Alarms} api=${api} session=${session} overview=${overview} refresh=${refresh} />
          <${LeaderChanges} changes=${changes} overview=${overview} />
        `}
  `;
}
