// The Keys page: the tree below the folder in the address (#/keys/<prefix…>/) on the left, and on
// the right the key chosen with ?key=<key> (its value, history and diffs) or the new-key form (?new).
import { html } from '../lib/html.js';
import { KeyDetail } from './keys-detail.js';
import { NewKey } from './keys-new.js';
import { toBinary } from './keys-listing.js';
import { keysHash, prefixOfRoute } from './keys-route.js';
import { KeyTree } from './keys-tree.js';

function fromBase64(b64) {
  try {
    return atob(b64);
  } catch {
    return undefined;
  }
}

export function KeysPage({ api, session, route, navigate }) {
  const prefix = prefixOfRoute(route.path);
  const selected = route.query.get('key');
  // A key that is not UTF-8 comes as base64 (key64) so that its bytes survive the address.
  const selected64 = route.query.get('key64');
  const creating = route.query.has('new');
  const prefixBinary = toBinary(prefix);
  const selectedBinary = selected64 !== null ? fromBase64(selected64) : selected === null ? undefined : toBinary(selected);

  let side;
  if (creating) {
    side = html`<${NewKey}
      api=${api}
      session=${session}
      prefix=${prefix}
      onCreated=${(name) => navigate(keysHash(prefix, { key: name }))}
      onCancel=${() => navigate(keysHash(prefix))}
    />`;
  } else if (selectedBinary !== undefined) {
    side = html`<${KeyDetail} key=${selectedBinary} api=${api} session=${session} keyBinary=${selectedBinary} />`;
  } else {
    side = html`<section class="card"><p class="muted">Choose a key to see its value and history, or put a new one.</p></section>`;
  }
  return html`
    <h1>Keys</h1>
    <div class="split keys-split">
      <${KeyTree} key=${prefixBinary} api=${api} session=${session} prefix=${prefixBinary} selectedKey=${selectedBinary} />
      <div class="keys-side">${side}</div>
    </div>
  `;
}
