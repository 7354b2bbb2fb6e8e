// The simulated application: it folds every applied entry into a running hash, so two members that
// applied the same entries in the same order hold the same state, and a snapshot is just the hash.
import type { Entry } from '../../raft/index.js';

export interface MachineState {
  readonly index: number;
  readonly hash: number;
}

export const INITIAL_STATE: MachineState = { index: 0, hash: 0x811c9dc5 };

/** A fingerprint of an entry's identity and content. */
export function entryFingerprint(e: Entry): number {
  let h = mix(0x811c9dc5, e.term);
  h = mix(h, e.index);
  if (e.type === 'normal') {
    h = mix(h, 1);
    for (let i = 0; i < e.data.length; i++) h = mix(h, e.data[i]!);
  } else {
    h = mix(h, e.change.type === 'addVoter' ? 2 : e.change.type === 'addLearner' ? 3 : 4);
    h = mix(h, e.change.nodeId);
  }
  return h;
}

export function applyEntry(s: MachineState, e: Entry): MachineState {
  return { index: e.index, hash: mix(s.hash, entryFingerprint(e)) };
}

export function encodeState(s: MachineState): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setFloat64(0, s.index);
  v.setUint32(8, s.hash);
  return b;
}

export function decodeState(b: Uint8Array): MachineState {
  if (b.length === 0) return INITIAL_STATE;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { index: v.getFloat64(0), hash: v.getUint32(8) };
}

function mix(h: number, x: number): number {
  h ^= x & 0xffffffff;
  h = Math.imul(h, 0x01000193) >>> 0;
  h ^= Math.floor(x / 4294967296);
  return Math.imul(h, 0x01000193) >>> 0;
}
