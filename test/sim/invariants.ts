// Safety properties of Raft (Figure 3 of the paper), checked incrementally as the simulation runs:
//   election safety     – at most one leader per term;
//   log matching        – two logs with an entry of the same index and term agree on it and on
//                         everything before it;
//   leader completeness – a leader's log holds every entry committed before its term;
//   state machine safety– no two members apply different entries at one index;
// plus: commit claims never disagree, entries are applied in order with none skipped, and a snapshot
// holds exactly the state of the applied prefix it claims.
import type { Entry, LogStorage, NodeId, Snapshot } from '../../raft/index.js';
import type { Raft } from '../../raft/testing.js';
import { entryFingerprint, type MachineState } from './state-machine.js';

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

export class InvariantChecker {
  private readonly leaders = new Map<number, NodeId>();
  /** `${index}:${term}` → fingerprint of the entry and the term of the entry before it. */
  private readonly entries = new Map<string, { fp: number; prevTerm: number }>();
  /** index → term of the entry some member claims committed there. */
  private readonly committed = new Map<number, number>();
  private maxCommitted = 0;
  private readonly appliedFp = new Map<number, number>();
  private readonly appliedHash = new Map<number, number>();
  private readonly commitChecked = new Map<NodeId, number>();

  get highestCommitted(): number {
    return this.maxCommitted;
  }

  appliedFingerprint(index: number): number | undefined {
    return this.appliedFp.get(index);
  }

  /** A member just became leader. */
  onLeader(id: NodeId, raft: Raft): void {
    const term = raft.term;
    const other = this.leaders.get(term);
    if (other !== undefined && other !== id) fail(`election safety: members ${other} and ${id} both led term ${term}`);
    this.leaders.set(term, id);
    const log = raft.log;
    if (log.lastIndex() < this.maxCommitted) {
      fail(`leader completeness: leader ${id} of term ${term} ends at ${log.lastIndex()}, but ${this.maxCommitted} is committed`);
    }
    for (let i = Math.max(1, log.firstIndex()); i <= this.maxCommitted; i++) {
      const want = this.committed.get(i);
      if (want === undefined) continue;
      const have = log.term(i);
      if (have !== want) fail(`leader completeness: leader ${id} of term ${term} has term ${have} at ${i}, committed term ${want}`);
    }
  }

  /** Entries were just written to a member's durable log. */
  onPersistEntries(id: NodeId, storage: LogStorage, ents: readonly Entry[]): void {
    for (const e of ents) {
      let prevTerm: number;
      try {
        prevTerm = storage.term(e.index - 1);
      } catch {
        continue; // the predecessor is in a snapshot: covered by the snapshot checks
      }
      const key = `${e.index}:${e.term}`;
      const fp = entryFingerprint(e);
      const seen = this.entries.get(key);
      if (!seen) this.entries.set(key, { fp, prevTerm });
      else if (seen.fp !== fp || seen.prevTerm !== prevTerm) {
        fail(`log matching: member ${id} holds a different entry ${key} (or predecessor term ${prevTerm} vs ${seen.prevTerm})`);
      }
    }
  }

  /** A member durably recorded commit index `commit`: everything up to it in its log is committed. */
  onPersistCommit(id: NodeId, storage: LogStorage, commit: number): void {
    const from = Math.max(this.commitChecked.get(id) ?? 0, storage.firstIndex() - 1) + 1;
    for (let i = from; i <= commit; i++) {
      const term = storage.term(i);
      const known = this.committed.get(i);
      if (known === undefined) this.committed.set(i, term);
      else if (known !== term) fail(`commit safety: member ${id} committed term ${term} at ${i}, another committed term ${known}`);
    }
    if (commit > (this.commitChecked.get(id) ?? 0)) this.commitChecked.set(id, commit);
    if (commit > this.maxCommitted) this.maxCommitted = commit;
  }

  /** A member restarted or installed a snapshot: its log may be shorter now. */
  resetMember(id: NodeId): void {
    this.commitChecked.delete(id);
  }

  /** A member applied entry e, moving from state `before` to `after`. */
  onApply(id: NodeId, before: MachineState, e: Entry, after: MachineState): void {
    if (e.index !== before.index + 1) fail(`apply order: member ${id} applied ${e.index} right after ${before.index}`);
    const fp = entryFingerprint(e);
    const seenFp = this.appliedFp.get(e.index);
    if (seenFp === undefined) this.appliedFp.set(e.index, fp);
    else if (seenFp !== fp) fail(`state machine safety: member ${id} applied a different entry at ${e.index}`);
    const seenHash = this.appliedHash.get(e.index);
    if (seenHash === undefined) this.appliedHash.set(e.index, after.hash);
    else if (seenHash !== after.hash) fail(`state machine safety: member ${id} has a different state after ${e.index}`);
    const committedTerm = this.committed.get(e.index);
    if (committedTerm !== undefined && committedTerm !== e.term) {
      fail(`state machine safety: member ${id} applied term ${e.term} at ${e.index}, committed term ${committedTerm}`);
    }
  }

  /** A member installed a snapshot as its state. */
  onInstallSnapshot(id: NodeId, snap: Snapshot, state: MachineState): void {
    const { index } = snap.meta;
    if (state.index !== index) fail(`snapshot: member ${id} got a snapshot at ${index} holding state of ${state.index}`);
    const seen = this.appliedHash.get(index);
    if (seen !== undefined && seen !== state.hash) fail(`snapshot: member ${id} installed a snapshot at ${index} that differs from the applied state`);
    this.resetMember(id);
  }
}
