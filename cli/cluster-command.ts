// `lodestone cluster [options]`: a local cluster of member processes (cluster/local-cluster.ts),
// each one `lodestone member` run by the same Node, with the same loader, as this process.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOCAL_CLUSTER_DEFAULTS, runLocalCluster, type LocalClusterOptions } from '../cluster/local-cluster.js';

function integer(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('Not an integer.');
  return n;
}

/** How this program starts one of its members: `lodestone member` from the sources or the build. */
function memberCommandLine(): [string, ...string[]] {
  const entry = fileURLToPath(new URL(`./main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  // process.execArgv carries tsx's loader when run from the sources.
  return [process.execPath, ...process.execArgv, entry, 'member'];
}

/** The options commander parses: the local cluster's, but for the member command line this file supplies. */
type ClusterFlags = Omit<LocalClusterOptions, 'memberCommand'>;

export function clusterCommand(): Command {
  return new Command('cluster')
    .summary('run a local cluster of members')
    .description(
      "Runs a local cluster of member processes on etcd's local-cluster ports (clients on 2379, 22379, 32379, …; peers on 2380, 22380, 32380, …), " +
        "and DNS for the service registry on 8600, 28600, 38600, …, each output line prefixed with its member's name; Ctrl-C stops them all. Run again, the members restart on their data.",
    )
    .addOption(new Option('--size <n>', 'number of members: 1, 3, 5 or 7').argParser(integer).default(LOCAL_CLUSTER_DEFAULTS.size))
    .option('--fresh', 'wipe the data dir first', false)
    .option('--data-dir <dir>', 'where the members keep their data (default: data/cluster, or data/cluster-tls with --tls)')
    .option('--host <host>', 'the host the members listen on and advertise', LOCAL_CLUSTER_DEFAULTS.host)
    .option('--log-level <level>', "the members' --log-level", LOCAL_CLUSTER_DEFAULTS.logLevel)
    .option('--tls', 'mutual TLS on client and peer URLs, with a throwaway CA and certificates made in <data-dir>/tls', false)
    .addOption(new Option('--base-port <n>', 'member i serves clients on n+2i, peers on n+2i+1 and DNS on n+2·size+i and ZooKeeper on n+3·size+i instead of the usual ports').argParser(integer))
    .action(async (flags: ClusterFlags) => {
      await runLocalCluster({ ...flags, memberCommand: memberCommandLine() });
    });
}
