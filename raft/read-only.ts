// ReadIndex bookkeeping on the leader (§6.4 of the Raft thesis): a read request records the commit
// index at the time it arrived; once a majority has answered a heartbeat sent after it, the leader
// knows it was still the leader then, and the read may be served once that index is applied.
// Nothing is written to the log.
import type { NodeId } from './types.js';

export interface ReadRequest {
  /** The member that asked (the leader itself for local reads). */
  readonly from: NodeId;
  readonly context: string;
}

export interface ReadIndexStatus {
  readonly request: ReadRequest;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private readonly queue: string[] = [];

  /** Queues a read at commit index `index`; a context already pending is ignored. */
  add(index: number, request: ReadRequest): void {
    if (this.pending.has(request.context)) return;
    this.pending.set(request.context, { request, index, acks: new Set() });
    this.queue.push(request.context);
  }

  /** Records that `id` answered the heartbeat carrying `context`; returns who has acked so far. */
  recvAck(id: NodeId, context: string): ReadonlySet<NodeId> | null {
    const rs = this.pending.get(context);
    if (!rs) return null;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every read queued up to and including `context` (they are all confirmed). */
  advance(context: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.splice(0, at + 1);
    const out: ReadIndexStatus[] = [];
    for (const ctx of done) {
      const rs = this.pending.get(ctx);
      if (rs) out.push(rs);
      this.pending.delete(ctx);
    }
    return out;
  }

  lastPendingContext(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]! : '';
  }

  /** Drops everything: a new term means none of these reads can be confirmed by this leadership. */
  reset(): ReadRequest[] {
    const dropped = this.queue.map((ctx) => this.pending.get(ctx)!.request);
    this.pending.clear();
    this.queue.length = 0;
    return dropped;
  }
}
