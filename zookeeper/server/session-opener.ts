// The connect handshake's decision: a new session (a lease granted), an existing one re-attached
// (password right, lease alive: the client moved here from another member, or reconnected), or
// expired (ZooKeeper answers that with a timeout of 0, which clients read as "session expired").
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import type { ConnectRequest } from '../jute/index.js';
import { leaseTtlSeconds, negotiateTimeout } from './session-lease.js';
import type { SessionSecret } from './session-secret.js';

export type Handshake =
  | { readonly kind: 'open'; readonly sessionId: bigint; readonly timeoutMs: number; readonly passwd: Uint8Array; readonly created: boolean }
  | { readonly kind: 'expired' };

export class SessionOpener {
  constructor(
    private readonly leases: LeaseBackend,
    private readonly secret: SessionSecret,
  ) {}

  async open(req: ConnectRequest): Promise<Handshake> {
    const timeoutMs = negotiateTimeout(req.timeOut);
    if (req.sessionId === 0n) {
      const granted = await this.leases.grant(0n, leaseTtlSeconds(timeoutMs));
      return { kind: 'open', sessionId: granted.id, timeoutMs, passwd: await this.secret.password(granted.id), created: true };
    }
    const passwd = req.passwd ?? new Uint8Array(0);
    if (!(await this.secret.verify(req.sessionId, passwd))) return { kind: 'expired' };
    const renewed = await this.leases.keepAlive(req.sessionId);
    if (renewed.ttl <= 0) return { kind: 'expired' };
    return { kind: 'open', sessionId: req.sessionId, timeoutMs, passwd, created: false };
  }
}
