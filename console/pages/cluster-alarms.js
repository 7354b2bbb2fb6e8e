// The cluster's active alarms (NOSPACE, CORRUPT), each with who raised it; root may disarm one
// through etcd's Alarm DEACTIVATE, which goes through raft from any member.
import { html } from '../lib/html.js';
import { ConfirmAction } from './confirm-action.js';

export function Alarms({ api, session, overview, refresh }) {
  const alarms = overview?.alarms ?? [];
  const nameOf = (id) => overview.members.find((m) => m.id === id)?.name || id;
  return html`
    <section aria-labelledby="alarms-title">
      <h2 id="alarms-title">Alarms</h2>
      ${alarms.length === 0
        ? html`<p><span class="badge ok">none</span> <span class="muted">No member has raised an alarm.</span></p>`
        : html`<table>
            <thead><tr><th scope="col">Alarm</th><th scope="col">Raised by</th>${session.admin ? html`<th scope="col">Actions</th>` : null}</tr></thead>
            <tbody>
              ${alarms.map((a) => {
                const who = a.memberId === '0' ? 'every member' : nameOf(a.memberId);
                return html`<tr>
                  <td><span class="badge bad">${a.alarm}</span></td>
                  <td>${who} <span class="muted mono">${a.memberIdHex}</span></td>
                  ${session.admin
                    ? html`<td>
                        <${ConfirmAction}
                          label="Disarm"
                          name=${`Disarm ${a.alarm} of ${who}`}
                          question=${`Disarm the ${a.alarm} alarm of ${who}?`}
                          detail=${a.alarm === 'NOSPACE' ? 'Writes are accepted again; if the database is still over its quota, the alarm comes back at the next refused write.' : 'The cluster stops treating this member as corrupt.'}
                          confirmLabel="Disarm"
                          action=${() => api.gateway('maintenance/alarm', { action: 'DEACTIVATE', memberID: a.memberId, alarm: a.alarm })}
                          onDone=${refresh}
                        />
                      </td>`
                    : null}
                </tr>`;
              })}
            </tbody>
          </table>`}
    </section>
  `;
}
