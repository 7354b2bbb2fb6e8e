// A session's password proves its holder was given it: HMAC of the session id under a secret every
// member shares, so a client may re-attach its session on any member. The secret is made once, by
// whichever member first needs it, and kept in the cluster (a key that only it writes).
import { createHmac, randomBytes } from 'node:crypto';
import type { KvBackend } from '../../rpc/kv-backend.js';
import { ZK_PREFIX } from '../layout.js';

export const SESSION_SECRET_KEY = `${ZK_PREFIX}session-secret`;
const PASSWORD_BYTES = 16;

export class SessionSecret {
  private secret: Uint8Array | undefined;

  constructor(private readonly kv: KvBackend) {}

  async password(sessionId: bigint): Promise<Uint8Array> {
    const secret = await this.load();
    const id = Buffer.alloc(8);
    id.writeBigInt64BE(sessionId);
    return new Uint8Array(createHmac('sha256', secret).update(id).digest().subarray(0, PASSWORD_BYTES));
  }

  async verify(sessionId: bigint, password: Uint8Array): Promise<boolean> {
    const expected = await this.password(sessionId);
    return expected.length === password.length && Buffer.from(expected).equals(Buffer.from(password));
  }

  private async load(): Promise<Uint8Array> {
    if (this.secret) return this.secret;
    const key = new TextEncoder().encode(SESSION_SECRET_KEY);
    const found = await this.kv.range({ key }, true);
    let value = found.kvs[0]?.value;
    if (value === undefined) {
      // Put only if absent: of two members making it at once, both end up with the one that won.
      const res = await this.kv.write({
        type: 'txn',
        request: {
          compare: [{ target: 'create', createRevision: 0, result: 'equal', key }],
          success: [{ type: 'put', request: { key, value: new Uint8Array(randomBytes(32)) } }],
          failure: [],
        },
      });
      value = (await this.kv.range({ key }, !res.response.succeeded ? false : true)).kvs[0]?.value;
    }
    if (value === undefined || value.length === 0) throw new Error('the ZooKeeper session secret could not be read');
    this.secret = value;
    return value;
  }
}
