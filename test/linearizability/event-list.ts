import type { Time } from './history.js';

export const END = -1;
const HEAD = 0;

/**
 * The call and return events of one partition's operations in time order, as a doubly linked list.
 * Linearizing an operation unlinks its events; backtracking links them back. Nodes keep their own
 * links while unlinked, so relinking in the reverse order of unlinking restores the list exactly
 * (Knuth's dancing links). Node 0 is the head; an operation without a return time has no return event.
 */
export class EventList {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly operationAt: Int32Array;
  private readonly callAt: Uint8Array;
  private readonly callNode: Int32Array;
  private readonly returnNode: Int32Array;

  constructor(intervals: readonly { readonly call: Time; readonly return: Time }[]) {
    const events: { time: Time; operation: number; isCall: boolean }[] = [];
    intervals.forEach((interval, operation) => {
      events.push({ time: interval.call, operation, isCall: true });
      if (interval.return !== Infinity) events.push({ time: interval.return, operation, isCall: false });
    });
    // At equal times calls come first, so operations that merely touch count as concurrent.
    events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.operation - b.operation);

    const nodes = events.length + 1;
    this.next = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.operationAt = new Int32Array(nodes).fill(END);
    this.callAt = new Uint8Array(nodes);
    this.callNode = new Int32Array(intervals.length);
    this.returnNode = new Int32Array(intervals.length).fill(END);
    for (let node = 0; node < nodes; node++) {
      this.prev[node] = node - 1;
      this.next[node] = node + 1 < nodes ? node + 1 : END;
    }
    events.forEach((event, index) => {
      const node = index + 1;
      this.operationAt[node] = event.operation;
      this.callAt[node] = event.isCall ? 1 : 0;
      if (event.isCall) this.callNode[event.operation] = node;
      else this.returnNode[event.operation] = node;
    });
  }

  first(): number {
    return this.next[HEAD]!;
  }

  after(node: number): number {
    return this.next[node]!;
  }

  operationOf(node: number): number {
    return this.operationAt[node]!;
  }

  isCall(node: number): boolean {
    return this.callAt[node] === 1;
  }

  callOf(operation: number): number {
    return this.callNode[operation]!;
  }

  /** Unlinks the operation's events: it has been linearized. */
  unlink(operation: number): void {
    this.unlinkNode(this.callNode[operation]!);
    const returnNode = this.returnNode[operation]!;
    if (returnNode !== END) this.unlinkNode(returnNode);
  }

  /** Undoes the latest `unlink` not yet undone, which must be this operation's. */
  relink(operation: number): void {
    const returnNode = this.returnNode[operation]!;
    if (returnNode !== END) this.relinkNode(returnNode);
    this.relinkNode(this.callNode[operation]!);
  }

  private unlinkNode(node: number): void {
    const before = this.prev[node]!;
    const after = this.next[node]!;
    this.next[before] = after;
    if (after !== END) this.prev[after] = before;
  }

  private relinkNode(node: number): void {
    const before = this.prev[node]!;
    const after = this.next[node]!;
    this.next[before] = node;
    if (after !== END) this.prev[after] = node;
  }
}
