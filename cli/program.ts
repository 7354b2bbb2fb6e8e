// The `lodestone` program: its subcommands, each from one factory in SUBCOMMANDS, with --help and
// --version at every level and commander's errors (and non-zero exit) for what it does not know.
import { Command } from 'commander';
import { version } from '../cluster/version.js';
import { benchCommand } from './bench-command.js';
import { clusterCommand } from './cluster-command.js';
import { configCommand } from './config-command.js';
import { execCommand } from './exec-command.js';
import { memberCommand } from './member-command.js';
import { snapshotCommand } from './snapshot-command.js';
import { serviceCommand } from './service-command.js';
import { templateCommand } from './template-command.js';

/** Every subcommand, in the order `lodestone --help` lists them: adding one is one line here. */
export const SUBCOMMANDS: readonly (() => Command)[] = [memberCommand, clusterCommand, snapshotCommand, benchCommand, serviceCommand, configCommand, execCommand, templateCommand];

/** Gives a command and all under it a --version, unless one has its own. */
function withVersion(command: Command, text: string): Command {
  if (!command.options.some((o) => o.long === '--version')) command.version(text, '-V, --version', 'output the version number');
  for (const sub of command.commands) withVersion(sub, text);
  return command;
}

export function lodestoneProgram(): Command {
  const program = new Command('lodestone')
    .description('A Raft-replicated key-value store speaking the etcd v3 API.')
    // Lets `member` pass etcd's flags through untouched.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)');
  for (const make of SUBCOMMANDS) program.addCommand(make());
  return withVersion(program, `lodestone ${version()}`);
}
