// The members table: each member's own status (role, term, indexes, sizes), its health and
// alarms, and for root the actions that reach that member: make it the leader, defragment it.
import { html } from '../lib/html.js';
import { ConfirmAction } from './confirm-action.js';
import { formatBytes, memberLabel, roleOf } from './cluster-data.js';

const ROLE_BADGE = { leader: 'ok', follower: '', learner: 'warn' };

function Health({ member }) {
  if (!member.reachable) return html`<span class="badge bad">unreachable</span><div class="muted health-reason">${member.error}</div>`;
  if (!member.health) return html`<span class="badge warn">unknown</span><div class="muted health-reason">${member.healthError ?? 'not asked'}</div>`;
  return member.health.healthy
    ? html`<span class="badge ok">healthy</span>`
    : html`<span class="badge bad">unhealthy</span><div class="muted health-reason">${member.health.reason}</div>`;
}

function Size({ bytes }) {
  return bytes === undefined ? html`–` : html`<span title=${`${bytes} bytes`}>${formatBytes(bytes)}</span>`;
}

function MemberActions({ api, member, leader, refresh }) {
  const name = memberLabel(member);
  const role = roleOf(member);
  return html`<div class="cluster-actions">
    ${role === 'follower' && leader
      ? html`<${ConfirmAction}
          label="Make leader"
          name=${`Make leader: ${name}`}
          question=${`Move the leader from ${memberLabel(leader)} to ${name}?`}
          detail="Writes pause for a moment while the leadership moves; clients reconnect by themselves."
          confirmLabel="Move the leader"
          action=${() => api.request('POST', '/ui/api/cluster/move-leader', { target: member.id })}
          onDone=${refresh}
        />`
      : null}
    ${member.reachable && role !== 'learner'
      ? html`<${ConfirmAction}
          label="Defragment"
          name=${`Defragment ${name}`}
          question=${`Defragment ${name}?`}
          detail="The member rewrites its database without the space that deleted and compacted data left. It keeps serving meanwhile, but the disk works hard."
          confirmLabel="Defragment"
          action=${() => api.request('POST', '/ui/api/cluster/defragment', { member: member.id })}
          onDone=${refresh}
        />`
      : null}
  </div>`;
}

export function MembersTable({ api, session, overview, leader, refresh }) {
  const alarmsOf = (m) => overview.alarms.filter((a) => a.memberId === m.id || a.memberId === '0');
  return html`
    <div class="table-scroll">
      <table class="cluster-members">
        <caption class="muted">Each member as it answers for itself; refreshed every 2 s.</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Client URLs</th>
            <th scope="col">Role</th>
            <th scope="col">Health</th>
            <th scope="col">Raft term</th>
            <th scope="col">Raft index</th>
            <th scope="col">Applied index</th>
            <th scope="col">DB size</th>
            <th scope="col">DB in use</th>
            <th scope="col">Alarms</th>
            ${session.admin ? html`<th scope="col">Actions</th>` : null}
          </tr>
        </thead>
        <tbody>
          ${overview.members.map((m) => {
            const role = roleOf(m);
            const alarms = alarmsOf(m);
            return html`<tr data-member=${m.name} class=${m.reachable ? '' : 'member-down'}>
              <th scope="row">
                ${memberLabel(m)}
                <div class="mono muted">${m.idHex}</div>
                ${m.self ? html`<div class="muted">serves this page</div>` : null}
              </th>
              <td class="mono">${m.clientUrls.length ? m.clientUrls.map((u) => html`<div>${u}</div>`) : html`<span class="muted">not started</span>`}</td>
              <td>${role === 'unreachable' ? html`<span class="muted">unknown</span>` : html`<span class=${`badge role ${ROLE_BADGE[role]}`}>${role}</span>`}</td>
              <td><${Health} member=${m} /></td>
              <td>${m.status?.raftTerm ?? '–'}</td>
              <td>${m.status?.raftIndex ?? '–'}</td>
              <td>${m.status?.raftAppliedIndex ?? '–'}</td>
              <td><${Size} bytes=${m.status?.dbSize} /></td>
              <td><${Size} bytes=${m.status?.dbSizeInUse} /></td>
              <td>${alarms.length ? alarms.map((a) => html`<span class="badge bad">${a.alarm}</span> `) : html`<span class="muted">none</span>`}</td>
              ${session.admin ? html`<td><${MemberActions} api=${api} member=${m} leader=${leader} refresh=${refresh} /></td>` : null}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}
