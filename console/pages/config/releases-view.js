// The history: every release with its number, kind, message, author and time, newest first; a diff
// against any other; and a rollback to any release, confirmed in a dialog that shows what it would
// change and whether the release still passes the schema.
import { html, useEffect, useState } from '../../lib/html.js';
import { ConfirmDialog, ErrorAlert, Violations, configHash, formatTime, kindText, nsPath, useAction } from './config-common.js';

function RollbackDialog({ api, ns, state, target, onClose, reload }) {
  const [message, setMessage] = useState('');
  const [preview, setPreview] = useState(undefined);
  const action = useAction();
  const running = state.view.current?.release ?? 0;
  // What the rollback would change, and the schema check it would make, read when the dialog opens.
  useEffect(() => {
    if (target === undefined) return undefined;
    let stale = false;
    setPreview({ release: target });
    Promise.all([api.get(nsPath(ns, `/diff?from=current&to=${target}`)), api.get(nsPath(ns, `/validate?release=${target}`))]).then(
      ([diff, validation]) => !stale && setPreview({ release: target, diff, validation }),
      (err) => !stale && setPreview({ release: target, error: err }),
    );
    return () => {
      stale = true;
    };
  }, [api, ns, target]);
  const confirm = () =>
    action.run(async () => {
      await api.request('POST', nsPath(ns, '/rollback'), { release: target, message: message || undefined, expectRelease: running });
      setMessage('');
      onClose();
      reload();
    });
  const ready = target !== undefined && preview?.release === target && preview.validation !== undefined;
  return html`<${ConfirmDialog}
    open=${target !== undefined}
    title="Roll back"
    confirmLabel=${`Roll back to release ${target ?? ''}`}
    danger=${true}
    busy=${action.busy}
    disabled=${!ready || !preview.validation.valid}
    onConfirm=${confirm}
    onCancel=${() => (action.setError(undefined), onClose())}
  >
    <p>Make a new release with release <strong>${target}</strong>'s items: every instance moves to them, and the draft is reset to them.</p>
    ${preview?.error ? html`<${ErrorAlert} error=${preview.error} />` : null}
    ${ready
      ? html`${preview.diff.changes.length === 0
            ? html`<p class="muted">Release ${target} has the same items as release ${running}.</p>`
            : html`<p>Against release ${running} it changes:</p>
                <ul class="config-change-list">
                  ${preview.diff.changes.map((c) => html`<li><code>${c.item}</code> <span class=${`badge ${c.change === 'added' ? 'ok' : c.change === 'removed' ? 'bad' : 'warn'}`}>${c.change}</span></li>`)}
                </ul>`}
          ${preview.validation.valid ? null : html`<div role="alert" class="error config-alert"><p>Release ${target} fails the namespace's schema now:</p><${Violations} errors=${preview.validation.errors} /></div>`}`
      : preview?.error
        ? null
        : html`<p aria-busy="true">Reading release ${target}…</p>`}
    <div class="config-fields">
      <label for="config-rollback-message">Message</label>
      <input id="config-rollback-message" value=${message} onInput=${(e) => setMessage(e.target.value)} placeholder=${`rollback to release ${target ?? ''}`} />
    </div>
    <${ErrorAlert} error=${action.error} label="Not rolled back" />
  </${ConfirmDialog}>`;
}

export function ReleasesView({ api, ns, state, may, navigate, reload }) {
  const [target, setTarget] = useState(undefined);
  const releases = state.releases;
  const running = state.view.current?.release ?? 0;
  const gray = state.view.gray?.release;
  const [from, setFrom] = useState(String(releases[1]?.release ?? releases[0]?.release ?? ''));
  const [to, setTo] = useState(String(releases[0]?.release ?? 'draft'));
  const compare = (e) => {
    e.preventDefault();
    navigate(configHash(ns, 'diff', { from, to }));
  };
  const choices = [{ value: 'draft', label: 'the draft' }, ...releases.map((r) => ({ value: String(r.release), label: `release ${r.release}` }))];
  return html`<div>
    <form class="card row config-compare" onSubmit=${compare} aria-label="Compare two releases">
      <label for="config-compare-from">Compare</label>
      <select id="config-compare-from" value=${from} onChange=${(e) => setFrom(e.target.value)}>${choices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select>
      <label for="config-compare-to">with</label>
      <select id="config-compare-to" value=${to} onChange=${(e) => setTo(e.target.value)}>${choices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select>
      <button type="submit">Show the diff</button>
    </form>
    <h2>Releases</h2>
    ${releases.length === 0
      ? html`<p class="muted">No release yet: publish the draft to make release 1.</p>`
      : html`<table class="config-releases">
          <thead><tr><th scope="col">Release</th><th scope="col">Kind</th><th scope="col">Message</th><th scope="col">Author</th><th scope="col">Time</th><th scope="col">Items</th><th scope="col"><span class="config-sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${releases.map(
              (r) => html`<tr key=${r.release}>
                <th scope="row">${r.release} ${r.release === running ? html`<span class="badge ok">current</span>` : null}${r.release === gray ? html`<span class="badge warn">gray</span>` : null}</th>
                <td>${kindText(r)}${r.selector ? html`<div class="muted">${Object.entries(r.selector.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}${r.selector.percent !== undefined ? ` ${r.selector.percent}%` : ''}</div>` : null}</td>
                <td>${r.message || html`<span class="muted">–</span>`}</td>
                <td>${r.author}</td>
                <td class="config-time">${formatTime(r.time)}</td>
                <td>${r.itemCount}</td>
                <td class="config-actions">
                  ${r.release !== running && running
                    ? html`<a class="config-link-button" href=${configHash(ns, 'diff', { from: String(r.release), to: String(running) })} aria-label=${`Diff release ${r.release} with the current release`}>Diff with current</a>`
                    : null}
                  ${may.publish && r.release !== running
                    ? html`<button type="button" class="ghost" onClick=${() => setTarget(r.release)} aria-label=${`Roll back to release ${r.release}`}>Roll back…</button>`
                    : null}
                </td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    <${RollbackDialog} api=${api} ns=${ns} state=${state} target=${target} onClose=${() => setTarget(undefined)} reload=${reload} />
  </div>`;
}
