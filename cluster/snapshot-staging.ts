// Where a follower keeps a snapshot it received until raft tells it to install it: a file per
// (index, term) in the member's snap folder. The stream may be cut anywhere, so the file is just its
// bytes in order.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export class SnapshotStaging {
  constructor(private readonly dir: string) {}

  private file(index: number, term: number): string {
    return join(this.dir, `${index.toString(16).padStart(16, '0')}-${term.toString(16).padStart(16, '0')}.snap`);
  }

  /** Writes the payload to its file; the file appears under its final name only once complete. */
  async receive(index: number, term: number, payload: AsyncIterable<Uint8Array>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const final = this.file(index, term);
    const partial = `${final}.partial`;
    await pipeline(Readable.from(payload, { objectMode: false }), createWriteStream(partial));
    await rename(partial, final);
  }

  /** The staged payload, as chunks. */
  read(index: number, term: number): AsyncIterable<Uint8Array> {
    return createReadStream(this.file(index, term), { highWaterMark: 256 * 1024 });
  }

  /** Removes every staged file: after an install, or at start (leftovers of a crash). */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
