// A modal question before something that changes or removes what others rely on: the browser's
// <dialog> keeps the focus inside it and Escape cancels; the safe answer (Cancel) has the focus first.
import { html, useEffect, useRef, useState } from './html.js';

let dialogs = 0;

/**
 * `open` shows it (a dialog mounted only when needed leaves it true); the children say what will
 * happen; `error` (text) says why the last try failed, in the dialog.
 */
export function ConfirmDialog({ open = true, title, confirmLabel, busyLabel = 'Working…', danger = true, busy = false, disabled = false, error, onConfirm, onCancel, children }) {
  const ref = useRef(null);
  const [titleId] = useState(() => `confirm-dialog-${++dialogs}`);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} aria-labelledby=${titleId} class="confirm-dialog" onCancel=${(e) => (e.preventDefault(), busy || onCancel())}>
    <h2 id=${titleId}>${title}</h2>
    ${children}
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    <div class="row">
      <button type="button" class=${danger ? 'danger' : ''} disabled=${busy || disabled} aria-busy=${busy ? 'true' : undefined} onClick=${onConfirm}>${busy ? busyLabel : confirmLabel}</button>
      <button type="button" class="ghost" autofocus disabled=${busy} onClick=${onCancel}>Cancel</button>
    </div>
  </dialog>`;
}
