// Measures the round trip to each peer, as etcd's prober does: every few seconds a small call to
// the peer's Membership service (Probe), timed from sending to the answer, on a connection of its
// own so that a long raft batch in flight does not count as network delay. Each answered probe is
// one sample; one that fails or times out is none (raft's own reports say a peer is unreachable).
import type { NodeId } from '../raft/types.js';
import { MembershipProbe } from './peer-membership.js';
import type { Dialer } from './tls-credentials.js';

export interface PeerProberOptions {
  /** Time between two probes of a peer (etcd's prober: 5 s). */
  readonly intervalMs: number;
  /** A probe not answered by then is dropped. */
  readonly timeoutMs: number;
  readonly dial: Dialer;
  /** One sample of the round trip to `peer`. */
  readonly onRoundTrip: (peer: NodeId, seconds: number) => void;
}

interface Probed {
  /** Where the peer is reached now (its raft stream's current address). */
  readonly address: () => string;
  connection: MembershipProbe | undefined;
  inFlight: boolean;
}

export class PeerProber {
  private readonly peers = new Map<NodeId, Probed>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: PeerProberOptions) {
    this.timer = setInterval(() => this.probeAll(), options.intervalMs);
    this.timer.unref();
  }

  setPeer(id: NodeId, address: () => string): void {
    if (this.closed || this.peers.has(id)) return;
    this.peers.set(id, { address, connection: undefined, inFlight: false });
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.connection?.close();
    this.peers.delete(id);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const id of [...this.peers.keys()]) this.removePeer(id);
  }

  private probeAll(): void {
    for (const [id, peer] of this.peers) {
      // A peer slower than the interval gets one probe at a time, not a pile of them.
      if (peer.inFlight) continue;
      const url = peer.address();
      if (peer.connection?.url !== url) {
        peer.connection?.close();
        peer.connection = new MembershipProbe(url, this.options.dial);
      }
      peer.inFlight = true;
      peer.connection.probe(this.options.timeoutMs).then(
        (seconds) => {
          peer.inFlight = false;
          if (!this.closed && this.peers.get(id) === peer) this.options.onRoundTrip(id, seconds);
        },
        () => {
          peer.inFlight = false;
        },
      );
    }
  }
}
