// The watch ids of one Watch stream, given out as etcd gives them out: a client may choose an id
// (non-zero) and gets it unless it is in use; 0 asks the server, which counts up from 0 and skips
// the ids in use. Ids are int64 on the wire: bigint here.

export class WatchIds {
  private next = 0n;
  private readonly inUse = new Set<bigint>();

  /** The id for a create request, or undefined when the id asked for is in use (etcd refuses it). */
  take(requested: bigint): bigint | undefined {
    if (requested !== 0n) {
      if (this.inUse.has(requested)) return undefined;
      this.inUse.add(requested);
      return requested;
    }
    while (this.inUse.has(this.next)) this.next++;
    const id = this.next++;
    this.inUse.add(id);
    return id;
  }

  release(id: bigint): void {
    this.inUse.delete(id);
  }
}
