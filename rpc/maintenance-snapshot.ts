// etcd's Maintenance.Snapshot on the wire: the backend file in 32 KiB blobs, each telling how many
// bytes remain after it, then one last message whose blob is the SHA-256 of all the bytes sent
// (remaining 0) — the trailer etcdctl checks when it restores. Writes wait for the stream to drain.
import { createHash } from 'node:crypto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { callScope, type BoundCallOptions } from './call-options.js';
import type * as pb from './etcd-api.js';
import { serviceError } from './error-mapping.js';

export const SNAPSHOT_BLOB_BYTES = 32 * 1024;

export type SnapshotCall = ServerWritableStream<pb.SnapshotRequest, pb.Outgoing<pb.SnapshotResponse>>;

export function serveSnapshot(call: SnapshotCall, before: (options: BoundCallOptions) => Promise<void>, file: () => Promise<Uint8Array>): void {
  const scope = callScope(call);
  const { signal } = scope.options;
  const send = async (): Promise<void> => {
    await before(scope.options);
    const db = await file();
    const sha = createHash('sha256');
    for (let at = 0; at < db.length; at += SNAPSHOT_BLOB_BYTES) {
      if (signal.aborted) return;
      const blob = db.subarray(at, Math.min(db.length, at + SNAPSHOT_BLOB_BYTES));
      sha.update(blob);
      const room = call.write({ remaining_bytes: String(db.length - at - blob.length), blob });
      if (!room) await drained(call, signal);
    }
    if (signal.aborted) return;
    call.write({ remaining_bytes: '0', blob: new Uint8Array(sha.digest()) });
    call.end();
  };
  send().then(
    () => scope.end(),
    (e: unknown) => {
      scope.end();
      if (!signal.aborted) call.emit('error', serviceError(e));
    },
  );
}

function drained(call: SnapshotCall, signal: BoundCallOptions['signal']): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done);
  });
}
