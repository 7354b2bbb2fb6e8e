// Putting a new key: its name (starting in the folder shown), its value, and optionally a lease —
// one that exists or a new one granted with a TTL. It refuses to overwrite a key that exists, so a
// typo cannot clobber someone's value; editing is for that.
import { html, useEffect, useState } from '../lib/html.js';
import { textToBase64 } from '../lib/bytes.js';
import { toBinary } from './keys-listing.js';
import { leaseHex } from './keys-value.js';

export function NewKey({ api, session, prefix, onCreated, onCancel }) {
  const [name, setName] = useState(prefix);
  const [value, setValue] = useState('');
  const [leaseChoice, setLeaseChoice] = useState('none');
  const [ttl, setTtl] = useState('60');
  const [leases, setLeases] = useState([]);
  const [error, setError] = useState(undefined);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let stale = false;
    api.gateway('lease/leases', {}).then(
      // The first hundred: a cluster with thousands of leases is not chosen from a list anyway.
      (answer) => !stale && setLeases((answer.leases ?? []).slice(0, 100).map((l) => l.ID)),
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [api]);

  const mayWrite = name !== '' && session.may('write', name);
  const submit = async (event) => {
    event.preventDefault();
    if (name === '') return setError(new Error('A key needs a name.'));
    setSaving(true);
    setError(undefined);
    try {
      let lease;
      if (leaseChoice === 'new') {
        const seconds = Number(ttl);
        if (!Number.isInteger(seconds) || seconds <= 0) throw new Error('The TTL is a whole number of seconds above 0.');
        lease = (await api.gateway('lease/grant', { TTL: seconds })).ID;
      } else if (leaseChoice !== 'none') {
        lease = leaseChoice;
      }
      const key = btoa(toBinary(name));
      const put = { key, value: textToBase64(value) };
      if (lease) put.lease = lease;
      const answer = await api.gateway('kv/txn', {
        compare: [{ key, target: 'VERSION', version: '0', result: 'EQUAL' }],
        success: [{ request_put: put }],
      });
      if (!answer.succeeded) throw new Error(`${name} exists already: open it to edit its value.`);
      onCreated(name);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return html`
    <section class="card" aria-labelledby="keys-new-title">
      <h2 id="keys-new-title">New key</h2>
      <form class="keys-new" onSubmit=${submit}>
        <label for="keys-new-name">Key</label>
        <input id="keys-new-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} autocomplete="off" spellcheck="false" required />
        ${name !== '' && !mayWrite ? html`<p class="keys-warn">You may not write ${name}.</p>` : null}
        <label for="keys-new-value">Value</label>
        <textarea id="keys-new-value" rows="8" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} spellcheck="false"></textarea>
        <label for="keys-new-lease">Lease</label>
        <select id="keys-new-lease" value=${leaseChoice} onChange=${(e) => setLeaseChoice(e.currentTarget.value)}>
          <option value="none">No lease</option>
          <option value="new">A new lease…</option>
          ${leases.map((id) => html`<option value=${id}>Lease ${leaseHex(id)}</option>`)}
        </select>
        ${leaseChoice === 'new'
          ? html`<label for="keys-new-ttl">Lease TTL (seconds)</label>
              <input id="keys-new-ttl" type="number" min="1" step="1" value=${ttl} onInput=${(e) => setTtl(e.currentTarget.value)} />`
          : null}
        ${error ? html`<p role="alert" class="error">${error.message}</p>` : null}
        <div class="row">
          <button type="submit" disabled=${saving || !mayWrite}>${saving ? 'Putting…' : 'Put key'}</button>
          <button type="button" class="ghost" onClick=${onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  `;
}
