// Txn compares, as etcd evaluates them: over a key or a range at the view's revision; a compare on
// a range holds when it holds for every key; a missing key compares as all zeros, except that a
// value compare on a missing key always fails (a missing value is not the empty value).
import { compareBytes, keySpan } from './key-bytes.js';
import type { ReadView } from './read-view.js';
import type { Compare, KeyValue } from './types.js';

const MISSING: KeyValue = {
  key: new Uint8Array(0),
  createRevision: 0,
  modRevision: 0,
  version: 0,
  value: new Uint8Array(0),
  lease: 0n,
};

export async function evaluateCompares(view: ReadView, compares: readonly Compare[]): Promise<boolean> {
  for (const c of compares) {
    if (!(await evaluateCompare(view, c))) return false;
  }
  return true;
}

async function evaluateCompare(view: ReadView, c: Compare): Promise<boolean> {
  const { hits } = view.index.revisions(keySpan(c.key, c.rangeEnd), view.rev, 0);
  if (hits.length === 0) return c.target === 'value' ? false : holds(c, MISSING);
  // Revisions and versions are in the index (the stored kv took them from it); the value and the
  // lease are only in the stored kv, so those compares read kvs as a range does.
  if (c.target === 'mod' || c.target === 'create' || c.target === 'version') {
    return hits.every((h) => holds(c, { ...MISSING, modRevision: h.main, createRevision: h.created, version: h.version }));
  }
  const kvs = await view.fetch(hits);
  return kvs.every((kv) => holds(c, kv));
}

function holds(c: Compare, kv: KeyValue): boolean {
  const order = sign(c, kv);
  switch (c.result) {
    case 'equal':
      return order === 0;
    case 'notEqual':
      return order !== 0;
    case 'greater':
      return order > 0;
    case 'less':
      return order < 0;
  }
}

/** kv's field compared with the operand: negative, zero or positive. */
function sign(c: Compare, kv: KeyValue): number {
  switch (c.target) {
    case 'version':
      return Math.sign(kv.version - c.version);
    case 'create':
      return Math.sign(kv.createRevision - c.createRevision);
    case 'mod':
      return Math.sign(kv.modRevision - c.modRevision);
    case 'lease':
      return kv.lease < c.lease ? -1 : kv.lease > c.lease ? 1 : 0;
    case 'value':
      return compareBytes(kv.value, c.value);
  }
}
