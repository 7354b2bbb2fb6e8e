// A button whose action runs only after the user confirms it in a modal dialog: for what changes the
// cluster (moving the leader, defragmenting, disarming an alarm, revoking a lease). The native
// <dialog> keeps the focus inside and closes on Escape; the dialog says what went wrong if it failed.
import { html, useState } from '../lib/html.js';
import { ConfirmDialog } from '../lib/confirm-dialog.js';

/**
 * `label`: the button's text; `name`: its accessible name when the text alone is ambiguous in a
 * table ("Defragment infra2"); `question`: the dialog's heading; `detail`: more text; `confirmLabel`:
 * the confirming button's text; `action`: an async function; `onDone`: runs after it succeeded.
 */
export function ConfirmAction({ label, name, question, detail, confirmLabel, action, onDone, danger = false, disabled = false }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setOpen(false);
      onDone?.();
    } catch (err) {
      setError(err.message || String(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="confirm-action">
    <button type="button" class=${danger ? 'danger' : 'ghost'} aria-label=${name} disabled=${disabled} onClick=${() => (setError(undefined), setOpen(true))}>${label}</button>
    <${ConfirmDialog} open=${open} title=${question} confirmLabel=${confirmLabel} danger=${danger} busy=${busy} error=${error} onConfirm=${confirm} onCancel=${() => setOpen(false)}>
      ${detail ? html`<p>${detail}</p>` : null}
    </${ConfirmDialog}>
  </span>`;
}
