// etcdctl snapshot save: Maintenance.Snapshot from one member into FILE.part, the SHA-256 trailer
// checked against the bytes before it, synced, then renamed to FILE (as etcdctl does, so that FILE
// never holds a partial snapshot).
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { ClientTls, type ClientTlsOptions } from '../client/client-tls.js';
import { createEtcdClient } from '../rpc/etcd-api.js';
import type * as pb from '../rpc/etcd-api.js';
import { hasTrailer, SHA_BYTES } from './snapshot-file.js';

export interface SaveOptions {
  /** Exactly one endpoint: "host:port", "http://host:port" or "https://host:port". */
  readonly endpoints: readonly string[];
  readonly tls?: ClientTlsOptions;
  /** "name:password" (etcdctl's --user). */
  readonly user?: string;
  /** Overall time limit in ms (none by default: a snapshot may take long). */
  readonly timeoutMs?: number;
}

export class SnapshotSaveError extends Error {
  override readonly name = 'SnapshotSaveError';
}

/** Saves a snapshot at `file`; resolves with its size in bytes (trailer included). */
export async function saveSnapshot(file: string, options: SaveOptions): Promise<number> {
  if (options.endpoints.length !== 1) {
    throw new SnapshotSaveError(`snapshot must be requested to one selected node, not multiple [${options.endpoints.join(' ')}]`);
  }
  const { address, scheme } = parseEndpoint(options.endpoints[0]!);
  const credentials = new ClientTls(options.tls).forScheme(scheme);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const md = new Metadata();
  if (options.user !== undefined) md.set('token', await authenticate(address, credentials, options.user, deadline));
  const part = `${file}.part`;
  const out = await open(part, 'w', 0o600);
  let size = 0;
  const client = createEtcdClient('Maintenance', address, { credentials });
  try {
    const stream = client.Snapshot({}, md, { deadline });
    // Every byte but the last 32 is hashed as it arrives; those 32 must be the SHA-256 of the rest.
    const sha = createHash('sha256');
    let tail = Buffer.alloc(0);
    for await (const msg of stream as AsyncIterable<pb.SnapshotResponse>) {
      const blob = Buffer.from(msg.blob);
      await out.write(blob);
      size += blob.length;
      const pending = Buffer.concat([tail, blob]);
      const keep = Math.min(SHA_BYTES, pending.length);
      sha.update(pending.subarray(0, pending.length - keep));
      tail = pending.subarray(pending.length - keep);
    }
    await out.sync();
    await out.close();
    if (!hasTrailer({ length: size })) throw new SnapshotSaveError(`snapshot of ${size} bytes has no SHA-256 trailer`);
    if (!sha.digest().equals(tail)) throw new SnapshotSaveError('snapshot SHA-256 does not match its trailer');
    await rename(part, file);
    return size;
  } catch (e) {
    await out.close().catch(() => undefined);
    await rm(part, { force: true });
    throw e instanceof Error && 'details' in e ? new SnapshotSaveError(`rpc error: ${(e as ServiceError).details}`) : e;
  } finally {
    client.close();
  }
}

function parseEndpoint(endpoint: string): { address: string; scheme: 'http' | 'https' | '' } {
  const m = /^(https?):\/\/(.+?)\/?$/.exec(endpoint);
  return m ? { address: m[2]!, scheme: m[1] as 'http' | 'https' } : { address: endpoint, scheme: '' };
}

async function authenticate(address: string, credentials: ReturnType<ClientTls['forScheme']>, user: string, deadline: number): Promise<string> {
  const colon = user.indexOf(':');
  if (colon < 0) throw new SnapshotSaveError('--user needs "name:password"');
  const auth = createEtcdClient('Auth', address, { credentials });
  try {
    const res = await new Promise<pb.AuthenticateResponse>((resolve, reject) =>
      auth.Authenticate({ name: user.slice(0, colon), password: user.slice(colon + 1) }, new Metadata(), { deadline }, (err: ServiceError | null, r?: pb.AuthenticateResponse) =>
        err ? reject(new SnapshotSaveError(`rpc error: ${err.details}`)) : resolve(r!),
      ),
    );
    return res.token;
  } finally {
    auth.close();
  }
}
