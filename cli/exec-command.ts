// `lodestone exec --config <ns> -- cmd args…`: runs a program with a config-center namespace's
// items as environment variables and restarts (or signals) it on each new release that changes
// them, as envconsul does for Consul's KV (cli/exec/).
import { Command, Option } from 'commander';
import { runExec, type ExecFlags } from './exec/run-exec.js';
import { withConnectionFlags } from './service/connection.js';
import { parseDuration } from './service/duration.js';

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function execCommand(): Command {
  const command = new Command('exec')
    .description(
      'Runs a program with a config namespace’s items as environment variables (max_connections → MAX_CONNECTIONS) and, ' +
        'on a new release that changes them, restarts it (or sends it --signal). Signals are passed on; exec exits with the program’s status.',
    )
    .argument('<command...>', 'the program and its arguments, after --')
    .requiredOption('--config <namespace>', 'the namespace: app[/env[/cluster]]')
    .option('--labels <k=v,...>', 'this instance’s labels, which gray releases select by')
    .addOption(new Option('--restart', 'on a new release, restart the program (the default)').conflicts('signal'))
    .option('--signal <signal>', 'on a new release, send this signal (HUP, SIGUSR1…) instead of restarting')
    .option('--prefix <text>', 'put this before every variable name')
    .option('--only <items>', 'only these items (comma-separated, "*" matches any characters)', list)
    .addOption(new Option('--splay <duration>', 'wait a random time up to this before a restart').argParser(parseDuration).default(0, '0s'))
    .addOption(new Option('--kill-timeout <duration>', 'SIGKILL a program still running this long after SIGTERM').argParser(parseDuration).default(10_000, '10s'))
    .option('--instance <id>', 'this instance’s name in the applied records (hostname:pid:1)')
    .option('--service <name>', 'the registry service this program is an instance of: a gray release is abandoned when it goes critical')
    .option('--service-instance <id>', 'its instance id in the registry')
    .option('--cache-dir <dir>', 'where the last release is cached for a start without the cluster (~/.lodestone/config-cache)')
    .passThroughOptions();
  withConnectionFlags(command);
  return command.action(async (argv: string[], flags: ExecFlags) => {
    let code: number;
    try {
      code = await runExec(argv, flags);
    } catch (e) {
      console.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
      code = 1;
    }
    process.exit(code);
  });
}
