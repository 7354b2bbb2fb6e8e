// etcd's LeaseKeepAlive stream: each request {ID} is answered {header, ID, TTL}, in the order the
// requests came. An unknown lease is answered with TTL 0 — the member resolves it so, as etcd's
// server does — and is no error; any other error ends the stream with etcd's status, after the
// answers to the requests before it. The client closing its side ends the call once the answers are
// out. A renewal under way is told when the stream goes away, so the member need not wait for the
// leader.
//
// Unlike etcd's server, which renews one request at a time, up to MAX_RENEWING renewals of a stream
// are under way at once: a follower passes each on to the leader, and a client that keeps many
// leases on one stream (as etcd's Go client does) would otherwise wait one leader round trip per lease.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { callScope } from './call-options.js';
import type * as pb from './etcd-api.js';
import { serviceError } from './error-mapping.js';
import { header } from './kv-convert.js';
import type { LeaseBackend } from './lease-backend.js';
import type { HeaderSource } from './lease-service.js';

export type KeepAliveCall = ServerDuplexStream<pb.LeaseKeepAliveRequest, pb.Outgoing<pb.LeaseKeepAliveResponse>>;

/** Renewals of one stream under way at once; past it, reading waits (requests wait in flow control). */
const MAX_RENEWING = 64;

type Renewal = { readonly ok: true; readonly id: string; readonly ttl: number; readonly revision: number } | { readonly ok: false; readonly error: unknown };

export function serveKeepAlive(call: KeepAliveCall, backend: LeaseBackend, headers: HeaderSource): void {
  const { options } = callScope(call);
  let finished = false;
  /** Renewals asked for and not yet answered. */
  let renewing = 0;
  /** The last answer written could not be buffered: reading waits for 'drain'. */
  let draining = false;
  /** Answers go out in request order: each waits for the one before it. */
  let answered: Promise<void> = Promise.resolve();
  /** The client has closed its side: end once every renewal under way is answered. */
  let clientDone = false;
  const finish = (): void => {
    finished = true;
  };
  call.on('cancelled', finish);
  call.on('close', finish);

  const endIfDone = (): void => {
    if (!clientDone || renewing > 0 || finished) return;
    finished = true;
    call.end();
  };
  const maybeResume = (): void => {
    if (!finished && !draining && renewing < MAX_RENEWING) call.resume();
  };

  const answer = (r: Renewal): void => {
    renewing--;
    if (finished) return;
    if (!r.ok) {
      finished = true;
      call.emit('error', serviceError(r.error));
      return;
    }
    const more = call.write({ header: header(headers.headerFields(), r.revision), ID: r.id, TTL: String(r.ttl) });
    if (!more && !draining) {
      draining = true;
      call.once('drain', () => {
        draining = false;
        maybeResume();
      });
    }
    maybeResume();
    endIfDone();
  };

  call.on('data', (req: pb.LeaseKeepAliveRequest) => {
    renewing++;
    if (renewing >= MAX_RENEWING) call.pause();
    const renewal: Promise<Renewal> = backend.keepAlive(BigInt(req.ID), options).then(
      (renewed): Renewal => ({ ok: true, id: req.ID, ttl: renewed.ttl, revision: renewed.revision }),
      (error: unknown): Renewal => ({ ok: false, error }),
    );
    answered = answered
      .then(() => renewal)
      .then(answer)
      .catch((e: unknown) => {
        // Writing the answer failed: the stream is done for.
        if (finished) return;
        finished = true;
        call.emit('error', serviceError(e));
      });
  });
  call.on('end', () => {
    clientDone = true;
    endIfDone();
  });
}
