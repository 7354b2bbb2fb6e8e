// `lodestone config history | diff | rollback`: a namespace's releases, item by item differences
// between any two of them (or the draft), and rollback to an earlier release as a new one.
import { fullNamespace } from '../../client/config-center/admin-client.js';
import { json } from '../service/output.js';
import { withConfigCenter } from './connection.js';
import { diffText } from './diff-output.js';
import { note, parseRef, parseRelease, type ConfigFlags, type NoteFlags, type PublishFlags } from './flags.js';
import { historyTable } from './listings.js';

export interface HistoryFlags extends ConfigFlags {
  readonly limit?: string;
}

export async function history(ns: string, flags: HistoryFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const limit = flags.limit === undefined ? undefined : parseRelease(flags.limit);
  const { view, releases } = await withConfigCenter(flags, async (admin) => ({ view: await admin.namespace(namespace), releases: await admin.releases(namespace, limit) }));
  const current = view.current?.release ?? 0;
  const gray = view.gray?.release;
  if (flags.writeOut === 'json') return console.log(json({ namespace, current, gray: gray ?? null, releases }));
  if (releases.length === 0) return console.log(`${namespace} has no releases yet`);
  console.log(historyTable(releases, current, gray));
}

export interface DiffFlags extends ConfigFlags {
  readonly color?: boolean;
}

/** Without arguments: the current release against the draft; with one: that release against the draft. */
export async function diff(ns: string, from: string | undefined, to: string | undefined, flags: DiffFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const a = from === undefined ? 'current' : parseRef(from);
  const b = to === undefined ? 'draft' : parseRef(to);
  const view = await withConfigCenter(flags, (admin) => admin.diff(namespace, a, b));
  if (flags.writeOut === 'json') return console.log(json({ namespace, ...view }));
  const color = flags.color ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  console.log(diffText(namespace, view, { color }));
}

export async function rollback(ns: string, release: string, flags: PublishFlags & NoteFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const target = parseRelease(release);
  const expectRelease = flags.expectRelease === undefined ? undefined : parseRelease(flags.expectRelease);
  const made = await withConfigCenter(flags, (admin) => admin.rollback(namespace, target, { ...note(flags), ...(expectRelease === undefined ? {} : { expectRelease }) }));
  if (flags.writeOut === 'json') return console.log(json({ namespace, release: made }));
  console.log(`rolled ${namespace} back to release ${target}'s items as release ${made.release}`);
}
