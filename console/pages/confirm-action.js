// A button whose action runs only after the user confirms it in a modal dialog: for what changes the
// cluster (moving the leader, defragmenting, disarming an alarm, revoking a lease). The native
// <dialog> keeps the focus inside and closes on Escape; the dialog says what went wrong if it failed.
import { html, useRef, useState } from '../lib/html.js';

let dialogCount = 0;

/**
 * `label`: the button's text; `name`: its accessible name when the text alone is ambiguous in a
 * table ("Defragment infra2"); `question`: the dialog's heading; `detail`: more text; `confirmLabel`:
 * the confirming button's text; `action`: an async function; `onDone`: runs after it succeeded.
 */
export function ConfirmAction({ label, name, question, detail, confirmLabel, action, onDone, danger = false, disabled = false }) {
  const dialog = useRef(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const [ids] = useState(() => {
    dialogCount += 1;
    return { title: `confirm-title-${dialogCount}`, detail: `confirm-detail-${dialogCount}` };
  });
  const open = () => {
    setError(undefined);
    dialog.current?.showModal();
  };
  const close = () => dialog.current?.close();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      close();
      onDone?.();
    } catch (err) {
      setError(err.message || String(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="confirm-action">
    <button type="button" class=${danger ? 'danger' : 'ghost'} aria-label=${name} disabled=${disabled} onClick=${open}>${label}</button>
    <dialog class="confirm-action" ref=${dialog} aria-labelledby=${ids.title} aria-describedby=${detail ? ids.detail : undefined} onClose=${() => setError(undefined)}>
      <h2 id=${ids.title}>${question}</h2>
      ${detail ? html`<p id=${ids.detail}>${detail}</p>` : null}
      ${error ? html`<p role="alert" class="error">${error}</p>` : null}
      <div class="row">
        <button type="button" class=${danger ? 'danger' : ''} disabled=${busy} aria-busy=${busy ? 'true' : undefined} onClick=${confirm}>${busy ? 'Working…' : confirmLabel}</button>
        <button type="button" class="ghost" disabled=${busy} onClick=${close}>Cancel</button>
      </div>
    </dialog>
  </span>`;
}
