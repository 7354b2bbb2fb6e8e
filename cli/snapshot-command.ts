// `snapshot save | status | restore`, with etcdctl's flags and output: save and status work on
// etcd-layout snapshot files from Lodestone or etcd alike; restore writes a Lodestone data dir.
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { saveSnapshot } from './snapshot-save.js';
import { restoreSnapshot } from './snapshot-restore.js';
import { formatStatus, snapshotStatus, type StatusFormat } from './snapshot-status.js';
import { databaseOf } from './snapshot-file.js';

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

async function pem(path: string | undefined): Promise<Buffer | undefined> {
  return path === undefined ? undefined : readFile(path);
}

function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  if (!m) throw new InvalidArgumentError('a duration such as 5s or 500ms');
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

interface SaveFlags {
  endpoints: string[];
  cacert?: string;
  cert?: string;
  key?: string;
  user?: string;
  commandTimeout?: number;
}

interface StatusFlags {
  writeOut: StatusFormat;
}

interface RestoreFlags {
  dataDir: string;
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string[];
  initialClusterToken: string;
  skipHashCheck: boolean;
}

export function snapshotCommand(): Command {
  const snapshot = new Command('snapshot').description("save, inspect and restore snapshots in etcd's format");

  snapshot
    .command('save')
    .description('Stores an etcd node backend snapshot to a given file')
    .argument('<filename>')
    .option('--endpoints <list>', 'gRPC endpoint (exactly one)', list, ['127.0.0.1:2379'])
    .option('--cacert <file>', 'verify certificates of TLS-enabled secure servers using this CA bundle')
    .option('--cert <file>', 'identify secure client using this TLS certificate file')
    .option('--key <file>', 'identify secure client using this TLS key file')
    .option('--user <name:password>', 'username[:password] for authentication')
    .option('--command-timeout <duration>', 'timeout for the whole save', duration)
    .action(async (filename: string, flags: SaveFlags) => {
      const [ca, cert, key] = await Promise.all([pem(flags.cacert), pem(flags.cert), pem(flags.key)]);
      const tls = ca || cert || key ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
      await saveSnapshot(filename, {
        endpoints: flags.endpoints,
        ...(tls ? { tls } : {}),
        ...(flags.user !== undefined ? { user: flags.user } : {}),
        ...(flags.commandTimeout !== undefined ? { timeoutMs: flags.commandTimeout } : {}),
      });
      console.log(`Snapshot saved at ${filename}`);
    });

  snapshot
    .command('status')
    .description('Gets backend snapshot status of a given file')
    .argument('<filename>')
    .addOption(new Option('-w, --write-out <format>', 'set the output format').choices(['simple', 'table', 'json']).default('simple'))
    .action(async (filename: string, flags: StatusFlags) => {
      const file = await readFile(filename);
      console.log(formatStatus(snapshotStatus(databaseOf(file, true)), flags.writeOut));
    });

  snapshot
    .command('restore')
    .description('Restores a Lodestone data dir (a new cluster member) from an etcd-layout snapshot')
    .argument('<filename>')
    .requiredOption('--data-dir <dir>', 'path to the data directory (must not exist)')
    .option('--name <name>', 'human-readable name for this member', 'default')
    .option('--initial-cluster <list>', 'initial cluster configuration for restore bootstrap', 'default=http://localhost:2380')
    .option('--initial-advertise-peer-urls <urls>', "list of this member's peer URLs to advertise", list, ['http://localhost:2380'])
    .option('--initial-cluster-token <token>', 'initial cluster token for the etcd cluster during restore bootstrap', 'etcd-cluster')
    .option('--skip-hash-check', 'ignore snapshot integrity hash value (required if copied from data directory)', false)
    .action(async (filename: string, flags: RestoreFlags) => {
      const r = await restoreSnapshot(await readFile(filename), {
        dataDir: flags.dataDir,
        name: flags.name,
        initialCluster: flags.initialCluster,
        initialAdvertisePeerUrls: flags.initialAdvertisePeerUrls,
        initialClusterToken: flags.initialClusterToken,
        skipHashCheck: flags.skipHashCheck,
      });
      console.log(
        `Restored snapshot ${filename} into ${flags.dataDir}: member ${r.memberId} of new cluster ${r.clusterId}, ` +
          `revision ${r.revision}, compacted at ${r.compactRevision}, ${r.keys} keys, ${r.leases} leases, ${r.users} users, ${r.roles} roles`,
      );
    });

  return snapshot;
}
