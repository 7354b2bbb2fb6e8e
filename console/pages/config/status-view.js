// Who runs what: the instances per release (applied, rejected) and each running instance with the
// release it runs, the one meant for it, and why it rejected one — the config API's status route.
import { html } from '../../lib/html.js';
import { formatTime, labelsText } from './config-common.js';

export function StatusView({ state }) {
  const { status } = state;
  const running = status.current?.release ?? 0;
  const gray = status.gray?.release;
  const releases = Object.keys(status.byRelease).map(Number).sort((a, b) => b - a);
  return html`<div class="config-status">
    <p>Current release <strong>${running || 'none'}</strong>${gray ? html`, gray release <strong>${gray}</strong> to ${labelsText(status.gray.selector.labels) || ''}${status.gray.selector.percent !== undefined ? ` ${status.gray.selector.percent}%` : ''}` : null}.</p>
    ${status.instances.length === 0
      ? html`<p class="muted">No running instance has reported this namespace (programs using the client, lodestone exec or lodestone template report what they apply).</p>`
      : html`<div class="config-status-grid">
          <table class="config-by-release">
            <caption>Instances per release</caption>
            <thead><tr><th scope="col">Release</th><th scope="col">Applied</th><th scope="col">Rejected</th></tr></thead>
            <tbody>
              ${releases.map(
                (n) => html`<tr key=${n}>
                  <th scope="row">${n} ${n === running ? html`<span class="badge ok">current</span>` : null}${n === gray ? html`<span class="badge warn">gray</span>` : null}</th>
                  <td>${status.byRelease[n].applied}</td>
                  <td>${status.byRelease[n].rejected ? html`<span class="badge bad">${status.byRelease[n].rejected}</span>` : 0}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <table class="config-instances">
            <caption>Instances</caption>
            <thead><tr><th scope="col">Instance</th><th scope="col">Runs</th><th scope="col">State</th><th scope="col">Expected</th><th scope="col">Up to date</th><th scope="col">Via</th><th scope="col">Labels</th><th scope="col">Host, pid</th><th scope="col">Reported</th></tr></thead>
            <tbody>
              ${status.instances.map(
                (i) => html`<tr key=${i.instance}>
                  <th scope="row">${i.instance}</th>
                  <td>${i.release}</td>
                  <td>${i.state === 'rejected' ? html`<span class="badge bad">rejected</span><div class="config-reason">${i.reason ?? ''}</div>` : html`<span class="badge ok">applied</span>`}</td>
                  <td>${i.expected}</td>
                  <td>${i.upToDate ? html`<span class="badge ok">yes</span>` : html`<span class="badge warn">no</span>`}</td>
                  <td>${i.via}</td>
                  <td>${labelsText(i.labels) || html`<span class="muted">–</span>`}</td>
                  <td class="mono">${i.host} ${i.pid}</td>
                  <td class="config-time">${formatTime(i.time)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`}
  </div>`;
}
