// A modal question before something that cannot be undone: the browser's <dialog> keeps the focus
// inside it and Escape cancels; the safe answer has the focus first.
import { html, useEffect, useRef } from '../lib/html.js';

export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, busy }) {
  const dialog = useRef(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.open && d.close();
  }, []);
  return html`
    <dialog ref=${dialog} aria-labelledby="keys-confirm-title" onCancel=${(e) => (e.preventDefault(), onCancel())}>
      <h2 id="keys-confirm-title">${title}</h2>
      ${children}
      <div class="row">
        <button type="button" class="ghost" autofocus onClick=${onCancel} disabled=${busy}>Cancel</button>
        <button type="button" class="danger" onClick=${onConfirm} disabled=${busy}>${confirmLabel}</button>
      </div>
    </dialog>
  `;
}
