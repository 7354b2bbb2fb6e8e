// The flags `lodestone config` subcommands share, and reading the release names they take.
import { readFile } from 'node:fs/promises';
import type { ReleaseRef } from '../../client/config-center/admin-types.js';
import type { ItemFormat } from '../../configcenter/layout.js';
import type { ConnectionFlags } from '../service/connection.js';
import type { OutputFormat } from '../service/output.js';
import { ConfigCommandError } from './command-error.js';

export interface ConfigFlags extends ConnectionFlags {
  readonly writeOut: OutputFormat;
}

/** Who made a change and why (-m, --author; the author is the logged-in user when auth is on). */
export interface NoteFlags {
  readonly message?: string;
  readonly author?: string;
}

export interface SetFlags extends ConfigFlags, NoteFlags {
  readonly format?: ItemFormat;
  readonly draft?: boolean;
  readonly file?: string;
}

export interface GetFlags extends ConfigFlags {
  readonly release?: string;
  readonly draft?: boolean;
}

export interface PublishFlags extends ConfigFlags, NoteFlags {
  readonly expectRelease?: string;
}

/** "3" → 3, "current", "draft"; anything else is refused. */
export function parseRef(text: string): ReleaseRef {
  if (text === 'current' || text === 'draft') return text;
  return parseRelease(text);
}

export function parseRelease(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new ConfigCommandError(`a release is a positive whole number${text === '' ? '' : `, not ${JSON.stringify(text)}`}`);
  return n;
}

/** The release `get` reads: --release N, --draft, or the current one. */
export function refOfGet(flags: GetFlags): ReleaseRef {
  if (flags.draft && flags.release !== undefined) throw new ConfigCommandError('--release and --draft cannot be used together');
  if (flags.draft) return 'draft';
  return flags.release === undefined ? 'current' : parseRelease(flags.release);
}

/** An item's value: the argument, the file of --file, or standard input when the argument is "-". */
export async function valueOf(value: string | undefined, flags: SetFlags, stdin: () => Promise<string> = readStdin): Promise<string> {
  if (flags.file !== undefined) {
    if (value !== undefined) throw new ConfigCommandError('give the value or --file, not both');
    return readFile(flags.file, 'utf8');
  }
  if (value === undefined) throw new ConfigCommandError('missing the value (or --file <path>, or "-" to read standard input)');
  return value === '-' ? stdin() : value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function note(flags: NoteFlags): { message?: string; author?: string } {
  return { ...(flags.message === undefined ? {} : { message: flags.message }), ...(flags.author === undefined ? {} : { author: flags.author }) };
}
