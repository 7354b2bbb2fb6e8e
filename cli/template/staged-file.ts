// Writing the destination atomically: the new content goes to a temporary file beside it (same
// directory, so rename() is atomic, with the destination's mode), is flushed to disk, may be
// checked there, and then either renamed over the destination or removed. A reader of the
// destination sees the old file or the new one, never a part of one.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TemplateError } from './errors.js';

const DEFAULT_MODE = 0o644;

/** The destination's content now; undefined when it does not exist. */
export async function readCurrent(dest: string): Promise<string | undefined> {
  try {
    return await readFile(dest, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TemplateError('TEMPLATE_WRITE', `cannot read ${dest}: ${(e as Error).message}`, { cause: e });
  }
}

export interface StagedFile {
  /** Where the candidate is: what --check-command checks. */
  readonly path: string;
  /** Renames the candidate over the destination. */
  commit(): Promise<void>;
  /** Removes the candidate; the destination stays as it was. */
  discard(): Promise<void>;
}

export async function stage(dest: string, content: string): Promise<StagedFile> {
  let mode = DEFAULT_MODE;
  try {
    mode = (await stat(dest)).mode & 0o7777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new TemplateError('TEMPLATE_WRITE', `cannot stat ${dest}: ${(e as Error).message}`, { cause: e });
  }
  const path = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(path, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.chmod(mode); // open()'s mode is narrowed by the umask; the destination's is kept as it was
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    await unlink(path).catch(() => undefined);
    throw new TemplateError('TEMPLATE_WRITE', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  return {
    path,
    async commit() {
      try {
        await rename(path, dest);
      } catch (e) {
        await unlink(path).catch(() => undefined);
        throw new TemplateError('TEMPLATE_WRITE', `cannot rename ${path} to ${dest}: ${(e as Error).message}`, { cause: e });
      }
    },
    async discard() {
      await unlink(path).catch(() => undefined);
    },
  };
}
