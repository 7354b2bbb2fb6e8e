// Binary encoding of raft's records on disk. Each record starts with a format byte so that a later
// format can be told apart. An entry's index is its LevelDB key, so it is not repeated in the value.
import type { ConfChangeType, ConfState, Entry, HardState, NodeId, Snapshot } from '../../raft/types.js';
import { CorruptDataError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';

const NORMAL_ENTRY = 1;
const CONF_CHANGE_ENTRY = 2;
const HARD_STATE_V1 = 1;
const SNAPSHOT_V1 = 1;

const CONF_CHANGE_TYPES: readonly ConfChangeType[] = ['addVoter', 'addLearner', 'removeNode'];

export function encodeEntry(e: Entry): Uint8Array {
  const w = new ByteWriter(16 + (e.type === 'normal' ? e.data.length : (e.change.context?.length ?? 0)));
  switch (e.type) {
    case 'normal':
      return w.u8(NORMAL_ENTRY).uvarint(e.term).raw(e.data).finish();
    case 'confChange': {
      w.u8(CONF_CHANGE_ENTRY).uvarint(e.term).u8(CONF_CHANGE_TYPES.indexOf(e.change.type)).uvarint(e.change.nodeId);
      if (e.change.context === undefined) return w.u8(0).finish();
      return w.u8(1).raw(e.change.context).finish();
    }
    default:
      return unreachable(e);
  }
}

export function decodeEntry(index: number, bytes: Uint8Array): Entry {
  const r = new ByteReader(bytes);
  const kind = r.u8();
  const term = r.uvarint();
  if (kind === NORMAL_ENTRY) return { type: 'normal', term, index, data: r.rest() };
  if (kind !== CONF_CHANGE_ENTRY) throw new CorruptDataError(`unknown entry kind ${kind} at index ${index}`);
  const type = CONF_CHANGE_TYPES[r.u8()];
  if (type === undefined) throw new CorruptDataError(`unknown conf change type at index ${index}`);
  const nodeId = r.uvarint();
  const hasContext = r.u8() === 1;
  const change = hasContext ? { type, nodeId, context: r.rest() } : { type, nodeId };
  r.end();
  return { type: 'confChange', term, index, change };
}

export function encodeHardState(hs: HardState): Uint8Array {
  return new ByteWriter(16).u8(HARD_STATE_V1).uvarint(hs.term).uvarint(hs.vote).uvarint(hs.commit).finish();
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const r = new ByteReader(bytes);
  if (r.u8() !== HARD_STATE_V1) throw new CorruptDataError('unknown hard state format');
  const hs = { term: r.uvarint(), vote: r.uvarint(), commit: r.uvarint() };
  r.end();
  return hs;
}

export function writeConfState(w: ByteWriter, cs: ConfState): ByteWriter {
  w.uvarint(cs.voters.length);
  for (const id of cs.voters) w.uvarint(id);
  w.uvarint(cs.learners.length);
  for (const id of cs.learners) w.uvarint(id);
  return w;
}

export function readConfState(r: ByteReader): ConfState {
  const readIds = (): NodeId[] => {
    const n = r.uvarint();
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++) ids.push(r.uvarint());
    return ids;
  };
  const voters = readIds();
  const learners = readIds();
  return { voters, learners };
}

export function encodeConfState(cs: ConfState): Uint8Array {
  return writeConfState(new ByteWriter(), cs).finish();
}

export function decodeConfState(bytes: Uint8Array): ConfState {
  const r = new ByteReader(bytes);
  const cs = readConfState(r);
  r.end();
  return cs;
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  const w = new ByteWriter(32 + s.data.length).u8(SNAPSHOT_V1).uvarint(s.meta.index).uvarint(s.meta.term);
  return writeConfState(w, s.meta.confState).raw(s.data).finish();
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const r = new ByteReader(bytes);
  if (r.u8() !== SNAPSHOT_V1) throw new CorruptDataError('unknown snapshot format');
  const index = r.uvarint();
  const term = r.uvarint();
  const confState = readConfState(r);
  return { meta: { index, term, confState }, data: r.rest() };
}

function unreachable(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
