// What differs between any two clusters in a gateway answer, written the same for both: the
// cluster, member and raft term in headers; ids the server chose (leases, members), in decimal, in
// hex (a lock's key names its session's lease) and inside base64 keys; ports in URLs. Revisions are
// kept: the clusters start empty and see the same requests.

const BYTES_FIELDS = new Set(['key', 'value', 'range_end', 'name', 'prev_key']);

export class GatewayMasks {
  private readonly names = new Map<string, string>();
  private leases = 0;
  private members = 0;

  /** A lease id the server chose, named <L1>, <L2>, … in the order first seen. */
  lease(id: string): string {
    return this.name(id, () => `<L${++this.leases}>`);
  }

  /** A member id, named <M1>, <M2>, … */
  member(id: string): string {
    return this.name(id, () => `<M${++this.members}>`);
  }

  private name(id: string, make: () => string): string {
    let n = this.names.get(id);
    if (n === undefined) {
      n = make();
      this.names.set(id, n);
      this.names.set(BigInt.asUintN(64, BigInt(id)).toString(16), n);
    }
    return n;
  }

  /** A body as text: bytes fields decoded where they are text, masks applied. */
  body(text: string): string {
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text, (key, value: unknown) => (BYTES_FIELDS.has(key) && typeof value === 'string' ? this.bytes(value) : value)));
    } catch {
      // Not JSON (a plain-text error): shown as it is.
    }
    return this.apply(shown);
  }

  private bytes(b64: string): string {
    const raw = Buffer.from(b64, 'base64');
    const text = raw.toString('utf8');
    return /^[\x20-\x7e]*$/.test(text) && Buffer.from(text).toString('base64') === b64 ? `'${text}'` : `b64:${b64}`;
  }

  private apply(text: string): string {
    let out = text
      .replace(/"cluster_id":"\d+"/g, '"cluster_id":"<cluster>"')
      .replace(/"member_id":"\d+"/g, '"member_id":"<member>"')
      .replace(/"raft_term":"\d+"/g, '"raft_term":"<term>"')
      .replace(/(https?:\/\/127\.0\.0\.1):\d+/g, '$1:<port>');
    for (const [id, name] of this.names) out = out.split(id).join(name);
    return out;
  }
}
