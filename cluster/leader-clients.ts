// Where the leader's client API is, for the lease calls a follower passes on to it (keepalives and
// time-to-live questions, which only the leader's clocks can answer).
import type { ChannelCredentials } from '@grpc/grpc-js';

/** The leader's client API: its "host:port", and the credentials its URL is dialed with (TLS for https). */
export interface LeaderTarget {
  readonly address: string;
  readonly credentials: ChannelCredentials;
}
