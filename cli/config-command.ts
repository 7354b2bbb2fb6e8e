// `lodestone config set | get | delete | publish | list | history | diff | rollback | schema | gray |
// promote | abandon | status`: the config center (namespaces of items, numbered releases, schemas,
// gray release) from the command line, over the members' HTTP JSON API, printed as aligned columns
// (-w table) or JSON (-w json). A namespace is app[/env[/cluster]].
import { Command, Option } from 'commander';
import { ITEM_FORMATS } from '../configcenter/layout.js';
import { runConfigAction } from './config/command-error.js';
import type { ConfigFlags, GetFlags, NoteFlags, PublishFlags, SetFlags } from './config/flags.js';
import { abandon, gray, promote, status, type AbandonFlags, type GrayFlags } from './config/gray-actions.js';
import { get, list, publish, remove, set } from './config/item-actions.js';
import { diff, history, rollback, type DiffFlags, type HistoryFlags } from './config/release-actions.js';
import { schemaDelete, schemaGet, schemaSet, schemaTypesAction, type SchemaSetFlags, type SchemaTypesFlags } from './config/schema-actions.js';
import { withConnectionFlags } from './service/connection.js';
import { OUTPUT_FORMATS } from './service/output.js';

const NS = 'the namespace: app[/env[/cluster]] (env and cluster default to "default")';

/** A subcommand with the connection flags and -w. */
function subcommand(name: string, description: string): Command {
  const command = new Command(name).description(description);
  withConnectionFlags(command);
  return command.addOption(new Option('-w, --write-out <format>', 'output format').choices(OUTPUT_FORMATS).default('table'));
}

/** -m and --author: the note a new release carries. */
function withNote(command: Command): Command {
  return command.option('-m, --message <text>', 'why: the release\'s message').option('--author <name>', 'who (ignored when auth is on: the user logged in is the author)');
}

function setCommand(): Command {
  return withNote(
    subcommand('set', 'Sets an item and publishes the namespace’s draft as a new release in one go (--draft: only stage it)')
      .argument('<namespace>', NS)
      .argument('<item>', 'the item’s name: 1–256 of [A-Za-z0-9._-]')
      .argument('[value]', 'its value ("-": read standard input)')
      .addOption(new Option('--format <format>', 'how the value is read: json and yaml must parse (default: the draft item’s, else text)').choices(ITEM_FORMATS))
      .option('--file <path>', 'read the value from this file')
      .option('--draft', 'only stage the change in the draft; publish it later'),
  ).action((ns: string, item: string, value: string | undefined, flags: SetFlags) => runConfigAction(() => set(ns, item, value, flags)));
}

function deleteCommand(): Command {
  return withNote(
    subcommand('delete', 'Removes an item and publishes the draft without it (--draft: only stage it)')
      .argument('<namespace>', NS)
      .argument('<item>')
      .option('--draft', 'only stage the change in the draft; publish it later'),
  ).action((ns: string, item: string, flags: SetFlags) => runConfigAction(() => remove(ns, item, flags)));
}

function getCommand(): Command {
  return subcommand('get', 'Prints the current release’s items (or one item’s value as it is), or those of --release N or the --draft')
    .argument('<namespace>', NS)
    .argument('[item]', 'print only this item’s value')
    .option('--release <n>', 'the items of release n')
    .option('--draft', 'the draft’s items')
    .action((ns: string, item: string | undefined, flags: GetFlags) => runConfigAction(() => get(ns, item, flags)));
}

function publishCommand(): Command {
  return withNote(
    subcommand('publish', 'Publishes the draft as a new release (nothing happens when it equals the current release)')
      .argument('<namespace>', NS)
      .option('--expect-release <n>', 'refuse unless release n is still the current one'),
  ).action((ns: string, flags: PublishFlags) => runConfigAction(() => publish(ns, flags)));
}

function historyCommand(): Command {
  return subcommand('history', 'Lists the releases, newest first: * marks the current one, ~ a gray release under way')
    .argument('<namespace>', NS)
    .option('--limit <n>', 'only the newest n')
    .action((ns: string, flags: HistoryFlags) => runConfigAction(() => history(ns, flags)));
}

function diffCommand(): Command {
  return subcommand('diff', 'Shows what changes item by item from A to B (a release number, current or draft; default: current → draft)')
    .argument('<namespace>', NS)
    .argument('[from]', 'a release number, current or draft (default current)')
    .argument('[to]', 'a release number, current or draft (default draft)')
    .option('--color', 'colour the lines (default: when printing to a terminal)')
    .option('--no-color', 'never colour the lines')
    .action((ns: string, from: string | undefined, to: string | undefined, flags: DiffFlags) => runConfigAction(() => diff(ns, from, to, flags)));
}

function rollbackCommand(): Command {
  return withNote(
    subcommand('rollback', 'Makes a new release with release n’s items (history only grows) and resets the draft to them')
      .argument('<namespace>', NS)
      .argument('<release>', 'the release whose items to run again')
      .option('--expect-release <n>', 'refuse unless release n is still the current one'),
  ).action((ns: string, release: string, flags: PublishFlags & NoteFlags) => runConfigAction(() => rollback(ns, release, flags)));
}

function schemaCommand(): Command {
  const schema = new Command('schema').description('a namespace’s JSON Schema: every publish, rollback, gray release and promote must conform to it');
  schema.addCommand(
    subcommand('set', 'Puts the JSON Schema (a JSON or YAML file) the object { item: value } must conform to')
      .argument('<namespace>', NS)
      .argument('<file>', 'the schema, JSON or YAML')
      .option('--author <name>', 'who (ignored when auth is on)')
      .option('--force', 'put it even though the current release does not conform')
      .action((ns: string, file: string, flags: SchemaSetFlags) => runConfigAction(() => schemaSet(ns, file, flags))),
  );
  schema.addCommand(
    subcommand('get', 'Prints the schema').argument('<namespace>', NS).action((ns: string, flags: ConfigFlags) => runConfigAction(() => schemaGet(ns, flags))),
  );
  schema.addCommand(
    subcommand('delete', 'Removes the schema').argument('<namespace>', NS).action((ns: string, flags: ConfigFlags) => runConfigAction(() => schemaDelete(ns, flags))),
  );
  schema.addCommand(
    subcommand('types', 'Prints TypeScript declarations of the items, derived from the schema (json-schema-to-typescript)')
      .argument('<namespace>', NS)
      .option('--name <type>', 'the interface’s name (default: the app’s name in PascalCase + "Config")')
      .option('-o, --output <file>', 'write them to this file')
      .action((ns: string, flags: SchemaTypesFlags) => runConfigAction(() => schemaTypesAction(ns, flags))),
  );
  return schema;
}

function grayCommand(): Command {
  return withNote(
    subcommand('gray', 'Publishes the draft to some instances only: those with every one of --labels, and/or --percent of them')
      .argument('<namespace>', NS)
      .option('--labels <k=v,…>', 'the labels an instance must carry')
      .option('--percent <n>', 'the share of instances (1–100), the same ones on every client'),
  ).action((ns: string, flags: GrayFlags) => runConfigAction(() => gray(ns, flags)));
}

export function configCommand(): Command {
  const config = new Command('config').description('the config center: namespaces of items, published as numbered releases, with history, diff, rollback, schemas and gray release');
  config.addCommand(setCommand());
  config.addCommand(getCommand());
  config.addCommand(deleteCommand());
  config.addCommand(publishCommand());
  config.addCommand(subcommand('list', 'Lists the namespaces with their current and gray releases').action((flags: ConfigFlags) => runConfigAction(() => list(flags))));
  config.addCommand(historyCommand());
  config.addCommand(diffCommand());
  config.addCommand(rollbackCommand());
  config.addCommand(schemaCommand());
  config.addCommand(grayCommand());
  config.addCommand(
    withNote(subcommand('promote', 'Carries the gray release to every instance, as a new release').argument('<namespace>', NS)).action((ns: string, flags: ConfigFlags & NoteFlags) =>
      runConfigAction(() => promote(ns, flags)),
    ),
  );
  config.addCommand(
    subcommand('abandon', 'Ends the gray release: its instances go back to the current release')
      .argument('<namespace>', NS)
      .option('--reason <text>', 'why')
      .option('--author <name>', 'who (ignored when auth is on)')
      .action((ns: string, flags: AbandonFlags) => runConfigAction(() => abandon(ns, flags))),
  );
  config.addCommand(
    subcommand('status', 'Shows which instance runs which release, instances per release, and the rejections')
      .argument('<namespace>', NS)
      .action((ns: string, flags: ConfigFlags) => runConfigAction(() => status(ns, flags))),
  );
  return config;
}
