// A deliberately naive model of etcd's MVCC semantics for property tests: every revision of every
// key in a list, every read a scan. Keys are binary strings (one char per byte).

export interface ModelKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
}

interface Change {
  rev: number;
  kv: ModelKv | null; // null: deleted
}

export type ModelOp =
  | { type: 'put'; key: string; value: string; lease: bigint }
  | { type: 'delete'; start: string; end: string | null | undefined }; // undefined: one key; null: no bound

export class MvccModel {
  rev = 1;
  compactRev = 0;
  private readonly history = new Map<string, Change[]>();

  /** The kv of key at rev, if live then. */
  at(key: string, rev: number): ModelKv | undefined {
    const changes = this.history.get(key) ?? [];
    let found: ModelKv | null = null;
    for (const c of changes) if (c.rev <= rev) found = c.kv;
    return found ?? undefined;
  }

  /** Live kvs in [start, end) at rev, in key order (end undefined: the single key; null: no bound). */
  range(start: string, end: string | null | undefined, rev: number): ModelKv[] {
    const keys = [...this.history.keys()].filter((k) => (end === undefined ? k === start : k >= start && (end === null || k < end))).sort();
    return keys.flatMap((k) => {
      const kv = this.at(k, rev);
      return kv ? [kv] : [];
    });
  }

  /** Applies ops as one txn: all changes at the next revision, if there are any. */
  apply(ops: readonly ModelOp[]): void {
    const rev = this.rev + 1;
    let changed = false;
    for (const op of ops) {
      if (op.type === 'put') {
        const cur = this.at(op.key, rev);
        this.record(op.key, rev, {
          key: op.key,
          value: op.value,
          lease: op.lease,
          createRevision: cur ? cur.createRevision : rev,
          modRevision: rev,
          version: (cur?.version ?? 0) + 1,
        });
        changed = true;
      } else {
        for (const kv of this.range(op.start, op.end, rev)) {
          this.record(kv.key, rev, null);
          changed = true;
        }
      }
    }
    if (changed) this.rev = rev;
  }

  compact(rev: number): void {
    this.compactRev = rev;
  }

  private record(key: string, rev: number, kv: ModelKv | null): void {
    let changes = this.history.get(key);
    if (!changes) this.history.set(key, (changes = []));
    changes.push({ rev, kv });
  }
}
