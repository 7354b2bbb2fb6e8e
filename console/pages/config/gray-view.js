// Gray releases: the one under way with the instances it reaches (those the status route says are
// meant to run it), promoting it to every instance or abandoning it; how the last one ended; and
// starting one from the draft for instances with given labels and/or a share of them.
import { html, useState } from '../../lib/html.js';
import { ConfirmDialog, ErrorAlert, Violations, configHash, formatTime, labelsText, nsPath, parseLabels, selectorText, useAction } from './config-common.js';

function Reached({ status, gray }) {
  const reached = status.instances.filter((i) => i.expected === gray.release);
  if (reached.length === 0) return html`<p class="muted">No running instance is meant for it yet.</p>`;
  return html`<table class="config-reached">
    <caption>Instances it reaches (${reached.length} of ${status.instances.length})</caption>
    <thead><tr><th scope="col">Instance</th><th scope="col">Labels</th><th scope="col">Runs</th><th scope="col">State</th></tr></thead>
    <tbody>
      ${reached.map(
        (i) => html`<tr key=${i.instance}>
          <th scope="row">${i.instance}</th>
          <td>${labelsText(i.labels) || html`<span class="muted">–</span>`}</td>
          <td>release ${i.release} ${i.upToDate ? html`<span class="badge ok">up to date</span>` : html`<span class="badge warn">not yet</span>`}</td>
          <td>${i.state === 'rejected' ? html`<span class="badge bad">rejected</span> ${i.reason ?? ''}` : i.state}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The message the gray release was made with (its record is in the history). */
const grayMessage = (state, gray) => state.releases.find((r) => r.release === gray.release)?.message ?? '';

function UnderWay({ api, ns, state, may, reload }) {
  const gray = state.view.gray;
  const [message, setMessage] = useState('');
  const [reason, setReason] = useState('');
  const [confirmAbandon, setConfirmAbandon] = useState(false);
  const action = useAction();
  const promote = () =>
    action.run(async () => {
      await api.request('POST', nsPath(ns, '/gray/promote'), { message: message || undefined });
      reload();
    });
  const abandon = () =>
    action.run(async () => {
      await api.request('POST', nsPath(ns, '/gray/abandon'), { reason: reason || undefined });
      setConfirmAbandon(false);
      reload();
    });
  return html`<div class="card" aria-labelledby="config-gray-now">
    <h2 id="config-gray-now">Gray release ${gray.release} under way</h2>
    <p>For ${selectorText(gray.selector)}; the others stay on release ${gray.base}. Started by ${gray.author} at ${formatTime(gray.time)}${grayMessage(state, gray) ? `: “${grayMessage(state, gray)}”` : ''}.
      <a href=${configHash(ns, 'diff', { from: String(gray.base), to: String(gray.release) })}>What it changes</a></p>
    <${Reached} status=${state.status} gray=${gray} />
    ${may.gray
      ? html`<div class="config-gray-actions">
          <div class="row">
            <label for="config-promote-message">Promote message</label>
            <input id="config-promote-message" value=${message} onInput=${(e) => setMessage(e.target.value)} placeholder=${`promote gray release ${gray.release}`} />
            <button type="button" disabled=${action.busy} onClick=${promote}>Promote to every instance</button>
          </div>
          <div class="row">
            <label for="config-abandon-reason">Abandon reason</label>
            <input id="config-abandon-reason" value=${reason} onInput=${(e) => setReason(e.target.value)} />
            <button type="button" class="danger" disabled=${action.busy} onClick=${() => setConfirmAbandon(true)}>Abandon</button>
          </div>
        </div>`
      : null}
    <${ConfirmDialog} open=${confirmAbandon} title=${`Abandon gray release ${gray.release}`} confirmLabel="Abandon it" danger=${true} busy=${action.busy} onConfirm=${abandon} onCancel=${() => setConfirmAbandon(false)}>
      <p>The instances it reaches go back to release ${gray.base}; the release stays in the history.</p>
    </${ConfirmDialog}>
    <${ErrorAlert} error=${action.error} label="Not done" />
  </div>`;
}

function StartGray({ api, ns, state, reload }) {
  const [labels, setLabels] = useState('');
  const [percent, setPercent] = useState('');
  const [message, setMessage] = useState('');
  const action = useAction();
  const validation = state.validation;
  const start = (e) => {
    e.preventDefault();
    action.run(async () => {
      const body = { message };
      const parsed = parseLabels(labels);
      if (Object.keys(parsed).length) body.labels = parsed;
      if (percent.trim() !== '') body.percent = Number(percent);
      await api.request('POST', nsPath(ns, '/gray'), body);
      setMessage('');
      reload();
    });
  };
  return html`<form class="card" onSubmit=${start} aria-labelledby="config-gray-start">
    <h2 id="config-gray-start">Start a gray release of the draft</h2>
    <p class="muted">The draft goes only to the instances with every one of the labels, and/or to a share of them (always the same ones); the others stay on the current release until you promote or abandon it.</p>
    ${validation.valid ? null : html`<div role="alert" class="error config-alert"><p>The draft fails the namespace's schema:</p><${Violations} errors=${validation.errors} /></div>`}
    <div class="config-fields">
      <label for="config-gray-labels">Labels</label>
      <input id="config-gray-labels" value=${labels} onInput=${(e) => setLabels(e.target.value)} placeholder="canary=true, zone=a" />
      <label for="config-gray-percent">Percent</label>
      <input id="config-gray-percent" type="number" min="1" max="100" value=${percent} onInput=${(e) => setPercent(e.target.value)} />
      <label for="config-gray-message">Message</label>
      <input id="config-gray-message" value=${message} onInput=${(e) => setMessage(e.target.value)} />
    </div>
    <div class="row"><button type="submit" disabled=${action.busy || !validation.valid || (labels.trim() === '' && percent.trim() === '')}>Start gray release</button></div>
    <${ErrorAlert} error=${action.error} label="Not started" />
  </form>`;
}

function LastEnded({ ended }) {
  if (!ended) return null;
  return html`<p class="muted config-ended">
    The last gray release, ${ended.release}, was ${ended.outcome}${ended.outcome === 'promoted' && ended.promotedAs ? ` as release ${ended.promotedAs}` : ''} by ${ended.author} at ${formatTime(ended.time)}${ended.reason ? `: ${ended.reason}` : ''}.
  </p>`;
}

export function GrayView({ api, ns, state, may, reload }) {
  return html`<div class="config-gray">
    ${state.view.gray
      ? html`<${UnderWay} api=${api} ns=${ns} state=${state} may=${may} reload=${reload} />`
      : may.gray
        ? html`<${StartGray} api=${api} ns=${ns} state=${state} reload=${reload} />`
        : html`<p class="muted">No gray release under way.</p>`}
    <${LastEnded} ended=${state.view.grayEnded} />
  </div>`;
}
