// `lodestone template`: consul-template's job on Lodestone. Renders a liquid template over config
// releases and the registry's healthy instances into a file, atomically, and runs a check and a
// reload command only when the output changed.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runAction } from './service/actions.js';
import { withConnectionFlags, type ConnectionFlags } from './service/connection.js';
import { parseWait, type WaitWindow } from './template/quiescence.js';
import { clientSources, connectClient } from './template/template-client.js';
import { TemplateRunner } from './template/template-runner.js';

interface TemplateFlags extends ConnectionFlags {
  readonly source: string;
  readonly dest: string;
  readonly command?: string;
  readonly checkCommand?: string;
  readonly wait?: WaitWindow;
  readonly config: string[];
  readonly labels: Record<string, string>;
  readonly instance?: string;
  readonly cacheDir?: string;
  readonly service: string[];
  readonly once?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** "k=v" or "k=v,k2=v2", repeatable. */
function labels(value: string, previous: Record<string, string>): Record<string, string> {
  const out = { ...previous };
  for (const pair of value.split(',').filter((p) => p.length > 0)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`a label is key=value, not ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function run(flags: TemplateFlags): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const client = await connectClient(
    flags,
    flags.config.length > 0 ? (e) => log(`template: no member answers (${e.message}); the config namespaces start from their cached releases`) : undefined,
  );
  let runner: TemplateRunner | undefined;
  try {
    runner = await TemplateRunner.open(clientSources(client), {
      source: flags.source,
      dest: flags.dest,
      configs: flags.config,
      labels: flags.labels,
      services: flags.service,
      ...(flags.command !== undefined ? { command: flags.command } : {}),
      ...(flags.checkCommand !== undefined ? { checkCommand: flags.checkCommand } : {}),
      ...(flags.wait !== undefined ? { wait: flags.wait } : {}),
      ...(flags.instance !== undefined ? { instance: flags.instance } : {}),
      ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
      log,
      echo: (chunk) => process.stderr.write(chunk),
    });
    if (flags.once) {
      const outcome = await runner.renderOnce();
      if (outcome !== 'written' && outcome !== 'unchanged') process.exitCode = 1;
      return;
    }
    const open = runner;
    const stopped = new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    await open.follow();
    await stopped;
  } finally {
    await runner?.close();
    await client.close();
  }
}

export function templateCommand(): Command {
  const command = new Command('template').description(
    'Renders a liquid template over config releases (config.<item>, namespaces["app/env/cluster"]) and the registry’s healthy ' +
      'instances (services.<name>) into a file, and again on every change. The file is written atomically and only when the ' +
      'output changed; then --check-command checks the candidate and --command runs (never when nothing changed).',
  );
  withConnectionFlags(command);
  return command
    .requiredOption('--source <file>', 'the template (liquid)')
    .requiredOption('--dest <file>', 'the file it renders to')
    .option('--command <cmd>', 'run (sh -c) after the file changed, e.g. a reload; {{dest}} is the file')
    .option('--check-command <cmd>', 'run on the rendered candidate before it replaces the file; {{candidate}} (or $LODESTONE_TEMPLATE_CANDIDATE) is its path; non-zero keeps the old file')
    .addOption(new Option('--wait <min[:max]>', 'quiescence: after a change wait min for more, never longer than max (default 4×min)').argParser(parseWait))
    .option('--config <namespace>', 'a config namespace <app>[/<env>[/<cluster>]] (repeatable; later ones win on shared item names)', collect, [])
    .option('--labels <k=v,…>', 'this instance’s labels, for gray releases (repeatable)', labels, {})
    .option('--instance <id>', 'this instance’s id in applied records (default host:pid:n)')
    .option('--cache-dir <dir>', 'where the last release of each namespace is cached, to start from while the cluster is unreachable (~/.lodestone/config-cache)')
    .option('--service <name>', 'a service the template looks up by a computed name (repeatable); services.<name> in the template is found by itself', collect, [])
    .option('--once', 'render once and exit (non-zero when the check or the command failed)')
    .action((flags: TemplateFlags) => runAction(() => run(flags)));
}
