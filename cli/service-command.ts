// `lodestone service register | deregister | list | get | watch | deps`: the service registry
// (registry/) from the command line, over etcd's gRPC API to any member, printed as aligned
// columns (-w table) or JSON (-w json).
import { Command, Option } from 'commander';
import { deps, deregister, get, list, register, runAction, watch, type OutputFlags } from './service/actions.js';
import { withConnectionFlags } from './service/connection.js';
import { parseDuration } from './service/duration.js';
import type { InstanceFlags } from './service/instance-flags.js';
import { OUTPUT_FORMATS } from './service/output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A subcommand with the connection flags and -w. */
function subcommand(name: string, description: string): Command {
  const command = new Command(name).description(description);
  withConnectionFlags(command);
  return command.addOption(new Option('-w, --write-out <format>', 'output format').choices(OUTPUT_FORMATS).default('table'));
}

function registerCommand(): Command {
  return subcommand(
    'register',
    'Registers an instance, or replaces its record. Registered from here, an instance is persistent: it has no ' +
      'lease (this command exits), the members run its check, and it stays until deregistered (or until its check ' +
      'has been critical for --deregister-critical-after).',
  )
    .argument('<service>', 'the service name')
    .argument('<id>', 'the instance id, unique within the service')
    .option('--file <file>', 'the whole instance as JSON (address, port, tags, meta, weights, checks: see the README)')
    .option('--address <address>', 'the address clients reach the instance at')
    .option('--port <port>', 'its port')
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--meta <key=value>', 'a metadata entry (repeatable)', collect, [])
    .option('--weight-passing <n>', 'weight while passing (1)')
    .option('--weight-warning <n>', 'weight while warning (1)')
    .option('--check-http <url>', 'check: GET this URL (2xx passing, 429 warning, else critical)')
    .option('--check-method <method>', 'the HTTP check method (GET)')
    .option('--check-tcp <host:port>', 'check: open a TCP connection')
    .option('--check-grpc <host:port[/service]>', 'check: grpc.health.v1.Health/Check')
    .option('--check-ttl <duration>', 'check: the instance reports in at least this often (e.g. 15s)', parseDuration)
    .option('--check-id <id>', 'the check id, unique in the cluster (service:<service>:<id>)')
    .option('--check-name <name>', 'a label for the check')
    .option('--interval <duration>', 'how often the check runs (10s)', parseDuration)
    .option('--timeout <duration>', 'no answer within this is a failure (10s)', parseDuration)
    .option('--deregister-critical-after <duration>', 'deregister once critical for this long (never)', parseDuration)
    .option('--success-before-passing <n>', 'successes in a row before passing (1)')
    .option('--failures-before-critical <n>', 'failures in a row before critical (1)')
    .addOption(new Option('--initial-status <status>', 'the state before the first result (critical)').choices(['passing', 'warning', 'critical']))
    .action((service: string, id: string, flags: OutputFlags & InstanceFlags) => runAction(() => register(service, id, flags)));
}

export function serviceCommand(): Command {
  const service = new Command('service').description('register, inspect and watch the service registry of a cluster');
  service.addCommand(registerCommand());
  service.addCommand(
    subcommand('deregister', 'Removes an instance and its checks’ states')
      .argument('<service>')
      .argument('<id>')
      .action((s: string, id: string, flags: OutputFlags) => runAction(() => deregister(s, id, flags))),
  );
  service.addCommand(
    subcommand('list', 'Lists the services: instances, and how many are passing, warning and critical').action((flags: OutputFlags) => runAction(() => list(flags))),
  );
  service.addCommand(
    subcommand('get', 'Shows a service’s instances: address, tags, weights, status, and each check’s state and output')
      .argument('<service>')
      .action((s: string, flags: OutputFlags) => runAction(() => get(s, flags))),
  );
  service.addCommand(
    subcommand('watch', 'Prints the instances there now, then each change as it happens, one line each (one JSON object with -w json), until Ctrl-C')
      .argument('[service]', 'the service to watch (every service when absent)')
      .action((s: string | undefined, flags: OutputFlags) => runAction(() => watch(s, flags))),
  );
  service.addCommand(
    subcommand('deps', 'Prints who depends on whom, from the consumer keys discovering processes keep: CONSUMER → SERVICE edges and a tree, cycles marked').action(
      (flags: OutputFlags) => runAction(() => deps(flags)),
    ),
  );
  return service;
}
