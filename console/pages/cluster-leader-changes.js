// The leader changes seen while the page is open: each refresh names the leader, and a different
// one than the last known is a change (time, from → to, the term it leads in).
import { html, useEffect, useRef, useState } from '../lib/html.js';
import { leaderOf, memberLabel } from './cluster-data.js';

const KEEP = 50;

export function useLeaderChanges(overview) {
  const [changes, setChanges] = useState([]);
  const last = useRef(undefined);
  useEffect(() => {
    const leader = leaderOf(overview);
    if (!leader) return;
    const previous = last.current;
    last.current = leader;
    if (previous && previous.id !== leader.id) {
      const change = { at: new Date(overview.at), from: memberLabel(previous), to: memberLabel(leader), term: leader.status?.raftTerm };
      setChanges((list) => [change, ...list].slice(0, KEEP));
    }
  }, [overview]);
  return changes;
}

export function LeaderChanges({ changes, overview }) {
  const withCounter = overview?.members ?? [];
  return html`
    <section aria-labelledby="leader-changes-title">
      <h2 id="leader-changes-title">Leader changes</h2>
      <div class="split cluster-changes">
        <div>
          <h3>Seen while this page is open</h3>
          ${changes.length === 0
            ? html`<p class="muted">None so far.</p>`
            : html`<ol class="leader-changes" aria-live="polite">
                ${changes.map((c) => html`<li><time datetime=${c.at.toISOString()}>${c.at.toLocaleTimeString()}</time> <strong>${c.from}</strong> → <strong>${c.to}</strong>${c.term ? html` <span class="muted">(term ${c.term})</span>` : null}</li>`)}
              </ol>`}
        </div>
        <div>
          <h3>Counted by each member since it started</h3>
          <table>
            <thead><tr><th scope="col">Member</th><th scope="col">Leader changes seen</th></tr></thead>
            <tbody>
              ${withCounter.map((m) => html`<tr><td>${memberLabel(m)}</td><td>${m.metrics?.leaderChanges ?? '–'}</td></tr>`)}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  `;
}
