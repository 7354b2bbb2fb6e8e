// A key's versions, newest first, puts and deletes, and the line diff between the chosen version
// and the one before it (JSON compared pretty-printed, binary as hex lines).
import { html, useMemo, useState } from '../lib/html.js';
import { diffStats, lineDiff } from '../lib/line-diff.js';
import { describeValue, formatSize } from './keys-value.js';

export function KeyHistory({ history, compactedBefore, startedAt, createRevision, onShowEarlier }) {
  const [chosen, setChosen] = useState(undefined);
  const newestFirst = useMemo(() => history.slice().reverse(), [history]);
  // Until someone picks a version, the diff follows the newest one.
  const chosenRev = chosen ?? newestFirst[0]?.rev;
  const index = history.findIndex((h) => h.rev === chosenRev);
  const entry = index >= 0 ? history[index] : undefined;
  const before = index > 0 ? history[index - 1] : undefined;

  return html`
    <section class="card keys-history" aria-labelledby="keys-history-title">
      <div class="row">
        <h2 id="keys-history-title">History</h2>
        <span class="muted">${history.length} ${history.length === 1 ? 'change' : 'changes'}${startedAt > 1 ? ` since revision ${startedAt}` : ''}</span>
        ${onShowEarlier && createRevision && startedAt === createRevision
          ? html`<button type="button" class="ghost" onClick=${onShowEarlier}>Show earlier lives of this key</button>`
          : null}
      </div>
      ${compactedBefore ? html`<p class="muted">Revisions before ${compactedBefore} were compacted: the store no longer has them.</p>` : null}
      ${history.length === 0
        ? html`<p class="muted">No changes to show yet.</p>`
        : html`
            <div class="keys-history-table">
              <table>
                <caption class="keys-sr">Versions of the key, newest first</caption>
                <thead><tr><th scope="col">Revision</th><th scope="col">Change</th><th scope="col">Value</th><th scope="col">Size</th><th scope="col"><span class="keys-sr">Diff</span></th></tr></thead>
                <tbody>
                  ${newestFirst.map((h) => html`<${HistoryRow} key=${h.rev} entry=${h} chosen=${h.rev === chosenRev} choose=${() => setChosen(h.rev)} />`)}
                </tbody>
              </table>
            </div>
          `}
      ${entry ? html`<${VersionDiff} entry=${entry} before=${before} />` : null}
    </section>
  `;
}

function HistoryRow({ entry, chosen, choose }) {
  const value = entry.type === 'PUT' ? describeValue(entry.kv.value) : undefined;
  const preview = value ? (value.kind === 'binary' ? `${value.size} bytes of binary` : value.raw.slice(0, 80)) : '';
  return html`<tr class=${chosen ? 'keys-chosen' : ''} aria-selected=${chosen ? 'true' : 'false'}>
    <td class="mono">${entry.rev}</td>
    <td>${entry.type === 'DELETE' ? html`<span class="badge bad">deleted</span>` : html`<span class="badge ok">version ${entry.kv.version}</span>`}</td>
    <td class="mono keys-preview" title=${preview}>${preview}</td>
    <td>${value ? formatSize(value.size) : ''}</td>
    <td><button type="button" class="ghost" aria-pressed=${chosen ? 'true' : 'false'} onClick=${choose} aria-label=${`Diff of revision ${entry.rev}`}>Diff</button></td>
  </tr>`;
}

function shownOf(entry) {
  return entry && entry.type === 'PUT' ? describeValue(entry.kv.value).shown : '';
}

function VersionDiff({ entry, before }) {
  const diff = useMemo(() => lineDiff(shownOf(before), shownOf(entry)), [entry, before]);
  const { added, removed } = diffStats(diff);
  const title = before
    ? `Revision ${before.rev} → ${entry.rev}`
    : `Revision ${entry.rev}${entry.type === 'PUT' && entry.kv.version === '1' ? ' (created)' : ''}`;
  return html`
    <div class="keys-diff" aria-labelledby="keys-diff-title">
      <h3 id="keys-diff-title">${title} <span class="muted keys-diff-stats">+${added} −${removed}</span></h3>
      ${diff.length === 0
        ? html`<p class="muted">Both are empty.</p>`
        : html`<pre class="keys-diff-lines" aria-label="Line diff">${diff.map(
            (line) =>
              html`<div class=${line.op === 'add' ? 'diff-add' : line.op === 'del' ? 'diff-del' : ''}><span class="keys-diff-mark" aria-hidden="true">${line.op === 'add' ? '+' : line.op === 'del' ? '−' : ' '}</span>${line.op === 'same' ? null : html`<span class="keys-sr">${line.op === 'add' ? 'added: ' : 'removed: '}</span>`}${line.text}</div>`,
          )}</pre>`}
    </div>
  `;
}
