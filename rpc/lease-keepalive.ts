// etcd's LeaseKeepAlive stream: each request {ID} is answered {header, ID, TTL}, in order, one at
// a time (a renewal may wait for the leader). An unknown lease is answered with TTL 0 — the
// member resolves it so, as etcd's server does — and is no error; any other error ends the stream
// with etcd's status. The client closing its side ends the call once the answers are out. A
// renewal under way is told when the stream goes away, so the member need not wait for the leader.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { callScope } from './call-options.js';
import type * as pb from './etcd-api.js';
import { serviceError } from './error-mapping.js';
import { header } from './kv-convert.js';
import type { LeaseBackend } from './lease-backend.js';
import type { HeaderSource } from './lease-service.js';

export type KeepAliveCall = ServerDuplexStream<pb.LeaseKeepAliveRequest, pb.Outgoing<pb.LeaseKeepAliveResponse>>;

export function serveKeepAlive(call: KeepAliveCall, backend: LeaseBackend, headers: HeaderSource): void {
  const { options } = callScope(call);
  let finished = false;
  let renewing = false;
  /** The client has closed its side: end once the renewal under way (if any) is answered. */
  let clientDone = false;
  const finish = (): void => {
    finished = true;
  };
  call.on('cancelled', finish);
  call.on('close', finish);

  const endIfDone = (): void => {
    if (!clientDone || renewing || finished) return;
    finished = true;
    call.end();
  };

  call.on('data', (req: pb.LeaseKeepAliveRequest) => {
    // Reading stops while a renewal is under way: requests wait in the client's flow-control window.
    call.pause();
    renewing = true;
    backend.keepAlive(BigInt(req.ID), options).then(
      (renewed) => {
        renewing = false;
        if (finished) return;
        const more = call.write({ header: header(headers.headerFields(), renewed.revision), ID: req.ID, TTL: String(renewed.ttl) });
        if (more) call.resume();
        else call.once('drain', () => call.resume());
        endIfDone();
      },
      (e: unknown) => {
        renewing = false;
        if (finished) return;
        finished = true;
        call.emit('error', serviceError(e));
      },
    );
  });
  call.on('end', () => {
    clientDone = true;
    endIfDone();
  });
}
