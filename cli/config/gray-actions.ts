// `lodestone config gray | promote | abandon | status`: a release to some instances only, carrying it
// to all of them or taking it back, and which instance runs (or rejected) which release.
import { fullNamespace } from '../../client/config-center/admin-client.js';
import { json } from '../service/output.js';
import { withConfigCenter } from './connection.js';
import { note, type ConfigFlags, type NoteFlags } from './flags.js';
import { selectorText, statusText } from './listings.js';
import { selectorFrom } from './selector-flags.js';

export interface GrayFlags extends ConfigFlags, NoteFlags {
  readonly labels?: string;
  readonly percent?: string;
}

export interface AbandonFlags extends ConfigFlags {
  readonly reason?: string;
  readonly author?: string;
}

export async function gray(ns: string, flags: GrayFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const selector = selectorFrom(flags);
  const started = await withConfigCenter(flags, (admin) => admin.gray(namespace, { ...selector, ...note(flags) }));
  if (flags.writeOut === 'json') return console.log(json({ namespace, ...started }));
  console.log(
    `gray release ${started.release.release} of ${namespace} goes to instances with ${selectorText(started.gray.selector)}; ` +
      `the others stay on release ${started.gray.base} (promote or abandon it next)`,
  );
}

export async function promote(ns: string, flags: ConfigFlags & NoteFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const made = await withConfigCenter(flags, (admin) => admin.promote(namespace, note(flags)));
  if (flags.writeOut === 'json') return console.log(json({ namespace, release: made }));
  console.log(`promoted gray release ${made.from ?? '?'} of ${namespace} to every instance as release ${made.release}`);
}

export async function abandon(ns: string, flags: AbandonFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const ended = await withConfigCenter(flags, (admin) =>
    admin.abandon(namespace, { ...(flags.reason === undefined ? {} : { reason: flags.reason }), ...(flags.author === undefined ? {} : { author: flags.author }) }),
  );
  if (flags.writeOut === 'json') return console.log(json({ namespace, grayEnded: ended }));
  console.log(`abandoned gray release ${ended.release} of ${namespace}: its instances go back to the current release`);
}

export async function status(ns: string, flags: ConfigFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const view = await withConfigCenter(flags, (admin) => admin.status(namespace));
  console.log(flags.writeOut === 'json' ? json({ namespace, ...view }) : statusText(namespace, view));
}
