// Deregistering an instance, after the user confirms it: the registry's own deregistration (the
// instance's key and its checks' states, in one transaction), guarded on the instance's record
// being the one the user saw, so an instance registered again meanwhile is not removed unseen.
import { html, useState } from '../../lib/html.js';
import { ConfirmDialog } from '../../lib/confirm-dialog.js';
import { prefixRangeEnd, textToBase64 } from '../../lib/bytes.js';
import { SERVICES_PREFIX } from './registry-state.js';

async function deregister(api, instance) {
  const key = textToBase64(`${SERVICES_PREFIX}${instance.service}/${instance.id}`);
  const healthPrefix = `/lodestone/health/${instance.service}/${instance.id}/`;
  const res = await api.gateway('kv/txn', {
    compare: [{ key, target: 'MOD', result: 'EQUAL', mod_revision: String(instance.modRevision) }],
    success: [{ request_delete_range: { key } }, { request_delete_range: { key: textToBase64(healthPrefix), range_end: prefixRangeEnd(healthPrefix) } }],
  });
  if (!res.succeeded) throw new Error(`${instance.service}/${instance.id} was registered again or removed meanwhile: look at it again before deregistering`);
}

/** The Deregister button and its confirmation dialog. */
export function DeregisterButton({ api, instance }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState();
  const name = `${instance.service}/${instance.id}`;

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await deregister(api, instance);
      setOpen(false);
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <button type="button" class="danger" onClick=${() => (setError(undefined), setOpen(true))} aria-label=${`Deregister ${instance.id}`}>Deregister</button>
    <${ConfirmDialog} open=${open} title=${`Deregister ${name}?`} confirmLabel=${`Deregister ${instance.id}`} busyLabel="Deregistering…" busy=${busy} error=${error} onConfirm=${confirm} onCancel=${() => setOpen(false)}>
      <p>Its record and its checks' states are deleted: discovery, DNS and Consul's API stop answering it at once.
        ${instance.lease ? ' It is ephemeral: the process that holds its lease may register it again.' : ' It is persistent: it stays gone until registered again.'}</p>
    </${ConfirmDialog}>
  `;
}
