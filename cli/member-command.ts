// `lodestone member [etcd's flags…]`: one member process. The flags are etcd's and go untouched to
// the member's own parser (cluster/flags.ts: command line, LODESTONE_* variables, --config-file),
// so commander only lists them in the help, from the same table.
import { Command } from 'commander';
import { flagsHelp } from '../cluster/flags.js';

export function memberCommand(): Command {
  const command = new Command('member')
    .summary("run a member (etcd's flags)")
    .description("Runs one member with etcd's flags, names and defaults; SIGTERM or SIGINT stops it gracefully.")
    .usage('[etcd flags…]')
    .helpOption('-h, --help', 'display help for command')
    // etcd's flags are the member parser's: unknown to commander, passed through in order.
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .addHelpText('after', `\n${flagsHelp()}`)
    .action(async (_options: unknown, self: Command) => {
      // Loaded only to run one: help, version and errors need not load the whole member.
      const { runMember } = await import('../cluster/member-process.js');
      await runMember(self.args, { help: () => self.outputHelp(), version: () => console.log(self.version()) });
    });
  return command;
}
