// One key: its value as text, pretty JSON or hex, its version, revisions and lease, kept current by
// the key's watch; editing (only if the user may write it, and only over the version they saw) and
// deleting after a confirmation; then its history.
import { html, useEffect, useState } from '../lib/html.js';
import { bytesToBase64, textToBase64 } from '../lib/bytes.js';
import { ConfirmDialog } from '../lib/confirm-dialog.js';
import { KeyHistory } from './keys-history.js';
import { useKeyWithHistory } from './keys-key-watch.js';
import { toText } from './keys-listing.js';
import { describeValue, formatSize, leaseHex, parseHex } from './keys-value.js';

const KIND_LABEL = { json: 'JSON', text: 'text', binary: 'binary', empty: 'empty' };

export function KeyDetail({ api, session, keyBinary }) {
  const { state, history, compactedBefore, watching, showEarlier, startedAt } = useKeyWithHistory(api, keyBinary);
  const keyText = toText(keyBinary);
  const mayWrite = session.may('write', keyText);

  if (state.loading) return html`<section class="card" aria-busy="true"><p>Loading ${keyText}…</p></section>`;
  if (state.error) {
    return html`<section class="card" aria-labelledby="keys-key-title">
      <h2 id="keys-key-title" class="keys-key-name">${keyText}</h2>
      <p role="alert" class="error">Could not read this key: ${state.error.message}</p>
    </section>`;
  }
  const { kv } = state;
  return html`
    <section class="card keys-detail" aria-labelledby="keys-key-title">
      <div class="row keys-detail-head">
        <h2 id="keys-key-title" class="keys-key-name">${keyText}</h2>
        <span class=${`badge ${watching ? 'ok' : 'warn'}`}>${watching ? 'live' : 'connecting…'}</span>
      </div>
      ${kv
        ? html`<${KeyValue} api=${api} kv=${kv} keyBinary=${keyBinary} mayWrite=${mayWrite} />`
        : html`<p class="muted">This key does not exist${state.deletedAt ? ` (deleted at revision ${state.deletedAt})` : ''}.</p>`}
    </section>
    <${KeyHistory}
      key=${keyBinary}
      history=${history}
      compactedBefore=${compactedBefore}
      startedAt=${startedAt}
      createRevision=${kv ? Number(kv.create_revision) : undefined}
      onShowEarlier=${showEarlier}
    />
  `;
}

function KeyValue({ api, kv, keyBinary, mayWrite }) {
  const value = describeValue(kv.value);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);

  const remove = async () => {
    setBusy(true);
    try {
      await api.gateway('kv/deleterange', { key: btoa(keyBinary) });
      setDeleting(false);
      setError(undefined);
    } catch (err) {
      setError(err);
      setDeleting(false);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <dl class="keys-meta">
      <div><dt>Version</dt><dd data-testid="key-version">${kv.version}</dd></div>
      <div><dt>Created at revision</dt><dd>${kv.create_revision}</dd></div>
      <div><dt>Modified at revision</dt><dd data-testid="key-mod-revision">${kv.mod_revision}</dd></div>
      <div><dt>Lease</dt><dd data-testid="key-lease">${kv.lease && kv.lease !== '0' ? html`<${LeaseInfo} api=${api} lease=${kv.lease} />` : html`<span class="muted">none</span>`}</dd></div>
      <div><dt>Value</dt><dd>${KIND_LABEL[value.kind]}, ${formatSize(value.size)}</dd></div>
    </dl>
    ${error ? html`<p role="alert" class="error">${error.message}</p>` : null}
    ${editing
      ? html`<${EditValue} api=${api} kv=${kv} keyBinary=${keyBinary} value=${value} onDone=${() => setEditing(false)} />`
      : html`
          <pre class="keys-value" aria-label="Value" data-kind=${value.kind}>${value.kind === 'empty' ? html`<span class="muted">(empty)</span>` : value.shown}</pre>
          ${mayWrite
            ? html`<div class="row">
                <button type="button" onClick=${() => setEditing(true)}>Edit value</button>
                <button type="button" class="danger" onClick=${() => setDeleting(true)}>Delete key</button>
              </div>`
            : html`<p class="muted">You may read this key but not change it.</p>`}
        `}
    ${deleting
      ? html`<${ConfirmDialog} title="Delete this key?" confirmLabel="Delete" busy=${busy} onConfirm=${remove} onCancel=${() => setDeleting(false)}>
          <p>Delete <code>${toText(keyBinary)}</code>? Its value is gone once the history is compacted.</p>
        </${ConfirmDialog}>`
      : null}
  `;
}

/** The editor: the value as text (hex for binary), saved only if nobody changed the key meanwhile. */
function EditValue({ api, kv, keyBinary, value, onDone }) {
  const [format, setFormat] = useState(value.kind === 'binary' ? 'hex' : 'text');
  const [draft, setDraft] = useState(value.raw);
  const [error, setError] = useState(undefined);
  const [saving, setSaving] = useState(false);
  const [base] = useState(kv.mod_revision);
  const changedMeanwhile = kv.mod_revision !== base;
  useEffect(() => setError(undefined), [draft, format]);

  const save = async (event) => {
    event.preventDefault();
    let b64;
    try {
      b64 = format === 'hex' ? bytesToBase64(parseHex(draft)) : textToBase64(draft);
    } catch (err) {
      setError(err);
      return;
    }
    setSaving(true);
    try {
      const key = btoa(keyBinary);
      // Put only over the version the editor started from; ignore_lease keeps the key's lease.
      const answer = await api.gateway('kv/txn', {
        compare: [{ key, target: 'MOD', mod_revision: base, result: 'EQUAL' }],
        success: [{ request_put: { key, value: b64, ignore_lease: true } }],
      });
      if (!answer.succeeded) {
        setError(new Error('Someone changed this key after you started editing; your value was not saved. Copy it, cancel, and edit the new version.'));
        return;
      }
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const jsonWarning = value.kind === 'json' && format === 'text' && !isJson(draft);
  return html`
    <form class="keys-edit" onSubmit=${save}>
      <div class="row">
        <label for="keys-edit-format">Edit as</label>
        <select id="keys-edit-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
          <option value="text">text</option>
          <option value="hex">hex bytes</option>
        </select>
      </div>
      <label for="keys-edit-value" class="keys-sr">New value</label>
      <textarea id="keys-edit-value" rows="10" value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)} spellcheck="false"></textarea>
      ${jsonWarning ? html`<p class="keys-warn">The value was JSON and this is not valid JSON; it will be saved as text.</p>` : null}
      ${changedMeanwhile ? html`<p class="keys-warn" role="status">This key changed (now revision ${kv.mod_revision}) since you started editing.</p>` : null}
      ${error ? html`<p role="alert" class="error">${error.message}</p>` : null}
      <div class="row">
        <button type="submit" disabled=${saving}>${saving ? 'Saving…' : 'Save'}</button>
        <button type="button" class="ghost" onClick=${onDone} disabled=${saving}>Cancel</button>
      </div>
    </form>
  `;
}

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The lease as etcdctl names it (hex), with the time it has left, counting down. */
function LeaseInfo({ api, lease }) {
  const [expiresAt, setExpiresAt] = useState(undefined);
  const [, tick] = useState(0);
  useEffect(() => {
    let stale = false;
    api.gateway('lease/timetolive', { ID: lease }).then(
      (answer) => !stale && setExpiresAt(Number(answer.TTL) < 0 ? null : Date.now() + Number(answer.TTL) * 1000),
      () => !stale && setExpiresAt(undefined),
    );
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => {
      stale = true;
      clearInterval(timer);
    };
  }, [api, lease]);
  const left = expiresAt ? Math.max(0, Math.round((expiresAt - Date.now()) / 1000)) : undefined;
  return html`<span class="mono">${leaseHex(lease)}</span>${expiresAt === null ? html` <span class="muted">(expired)</span>` : left !== undefined ? html` <span class="muted">(${left} s left)</span>` : null}`;
}
