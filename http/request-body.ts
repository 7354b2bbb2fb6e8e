// A request's whole body as text, refused once it grows past a limit: the member's HTTP APIs take
// small JSON documents, and a client sending more must not make the member hold it all.
import type { IncomingMessage } from 'node:http';

/** Bodies larger than this are refused (a registration or a config item, not a file store). */
export const MAX_BODY_BYTES = 1 << 20;

/** The body as UTF-8 text; rejects with `tooLarge()` (and drops the connection) past MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage, tooLarge: () => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
