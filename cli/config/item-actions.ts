// `lodestone config set | delete | get | publish | list`: the draft's items, publishing them, and
// reading a release's items. `set` and `delete` publish at once unless --draft (Seed's one-step
// `config set`); get prints one item's value as it is (for $(…)) or every item as a table.
import type { PublishResult } from '../../client/config-center/admin-types.js';
import { fullNamespace } from '../../client/config-center/admin-client.js';
import { checkItemName } from '../../configcenter/layout.js';
import { json } from '../service/output.js';
import type { ConfigCenterAdmin } from '../../client/config-center/admin-client.js';
import { ConfigCommandError, StagedButNotPublished } from './command-error.js';
import { withConfigCenter } from './connection.js';
import { note, parseRelease, refOfGet, valueOf, type ConfigFlags, type GetFlags, type PublishFlags, type SetFlags } from './flags.js';
import { itemsTable, namespacesTable } from './listings.js';
import { oneLine } from './diff-output.js';
import { splitLines } from './line-diff.js';

/** "max_connections = 100", or for a multi-line value "routes (4 lines)". */
function assignment(item: string, value: string): string {
  const lines = splitLines(value).length;
  return lines > 1 ? `${item} (${lines} lines)` : `${item} = ${oneLine(value)}`;
}

/** "published release 3 of ns", or that nothing changed. */
export function publishedText(namespace: string, result: PublishResult): string {
  if (result.unchanged) return `${namespace}: nothing changed, release ${result.release.release} stays current`;
  return `published release ${result.release.release} of ${namespace}`;
}

/** Publishes what was just staged; if that fails, says that the change stays in the draft. */
async function publishStaged(admin: ConfigCenterAdmin, namespace: string, flags: SetFlags): Promise<PublishResult> {
  try {
    return await admin.publish(namespace, note(flags));
  } catch (e) {
    throw new StagedButNotPublished(
      e,
      `The change stays in the draft of ${namespace} (lodestone config diff ${namespace} shows it); set it again, or publish once the draft is right.`,
    );
  }
}

function checkedItem(item: string): string {
  try {
    return checkItemName(item);
  } catch (e) {
    throw new ConfigCommandError(e instanceof Error ? e.message : String(e));
  }
}

export async function set(ns: string, item: string, value: string | undefined, flags: SetFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  checkedItem(item);
  const text = await valueOf(value, flags);
  const out = await withConfigCenter(flags, async (admin) => {
    const { revision } = await admin.setItem(namespace, item, text, flags.format);
    const published = flags.draft ? null : await publishStaged(admin, namespace, flags);
    return { namespace, item, revision, published };
  });
  if (flags.writeOut === 'json') return console.log(json(out));
  if (!out.published) {
    console.log(`staged ${assignment(item, text)} in the draft of ${namespace}; publish it with: lodestone config publish ${namespace}`);
    return;
  }
  console.log(out.published.unchanged ? publishedText(namespace, out.published) : `${publishedText(namespace, out.published)}: ${assignment(item, text)}`);
}

export async function remove(ns: string, item: string, flags: SetFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  checkedItem(item);
  const out = await withConfigCenter(flags, async (admin) => {
    const { revision } = await admin.deleteItem(namespace, item);
    const published = flags.draft ? null : await publishStaged(admin, namespace, flags);
    return { namespace, item, revision, published };
  });
  if (flags.writeOut === 'json') return console.log(json(out));
  if (!out.published) console.log(`removed ${item} from the draft of ${namespace}; publish it with: lodestone config publish ${namespace}`);
  else console.log(out.published.unchanged ? publishedText(namespace, out.published) : `${publishedText(namespace, out.published)}: ${item} removed`);
}

export async function get(ns: string, item: string | undefined, flags: GetFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  if (item !== undefined) checkedItem(item);
  const ref = refOfGet(flags);
  const view = await withConfigCenter(flags, (admin) => admin.items(namespace, ref));
  const which = view.release === 'draft' ? 'the draft' : view.release === 0 ? 'the current release (none yet)' : `release ${view.release}`;
  if (item !== undefined) {
    const found = view.items[item];
    if (!found) throw new ConfigCommandError(`${which} of ${namespace} has no item ${JSON.stringify(item)}`);
    if (flags.writeOut === 'json') return console.log(json({ namespace, release: view.release, item, ...found }));
    process.stdout.write(found.value.endsWith('\n') ? found.value : `${found.value}\n`);
    return;
  }
  if (flags.writeOut === 'json') return console.log(json({ namespace, ...view }));
  if (Object.keys(view.items).length === 0) return console.log(`${which} of ${namespace} has no items`);
  console.log(itemsTable(view.items));
}

export async function publish(ns: string, flags: PublishFlags): Promise<void> {
  const namespace = fullNamespace(ns);
  const expectRelease = flags.expectRelease === undefined ? undefined : parseRelease(flags.expectRelease);
  const result = await withConfigCenter(flags, (admin) => admin.publish(namespace, { ...note(flags), ...(expectRelease === undefined ? {} : { expectRelease }) }));
  console.log(flags.writeOut === 'json' ? json({ namespace, ...result }) : publishedText(namespace, result));
}

export async function list(flags: ConfigFlags): Promise<void> {
  const rows = await withConfigCenter(flags, (admin) => admin.namespaces());
  if (flags.writeOut === 'json') return console.log(json({ namespaces: rows }));
  console.log(rows.length === 0 ? 'no namespaces yet (lodestone config set <app> <item> <value> makes one)' : namespacesTable(rows));
}
