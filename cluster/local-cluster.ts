// `lodestone cluster [--size 5] [--fresh] [--data-dir DIR] [--tls] [--base-port N]` (npm run cluster):
// a local cluster of 3 (or 5) member processes on etcd's local-cluster ports — clients on 2379,
// 22379, 32379, …, peers on 2380, 22380, 32380, … — each line of output prefixed with its member's
// name. Ctrl-C stops them all. Run it again and the members restart on their data; --fresh wipes it
// first.
//
// --tls: https client and peer URLs, client and peer certificates required, with a throwaway CA and
// certificates made in <data-dir>/tls (local-cluster-tls.ts); it prints the etcdctl command line
// that reaches the cluster. --base-port N: member i listens for clients on N+2i and for peers on
// N+2i+1 instead (to run beside something that holds etcd's ports).
//
// Each member also answers the service registry over DNS (UDP and TCP): on 8600 (Consul's DNS
// port), 28600, 38600, …, or with --base-port N on N+2·size+i; and ZooKeeper's client protocol on
// 2181, 22181, 32181, …, or N+3·size+i.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { localClusterTls, type LocalClusterTls } from './local-cluster-tls.js';

export interface LocalClusterOptions {
  /** 1, 3, 5 or 7 members. */
  readonly size: number;
  /** Wipe the data dir first. */
  readonly fresh: boolean;
  /** Where the members keep their data (data/cluster, or data/cluster-tls with tls). */
  readonly dataDir?: string;
  readonly host: string;
  readonly logLevel: string;
  readonly tls: boolean;
  readonly basePort?: number;
  /** The command line that starts one member, before its flags: `[program, …args]`. */
  readonly memberCommand: readonly [string, ...string[]];
}

export const LOCAL_CLUSTER_DEFAULTS = { size: 3, host: '127.0.0.1', logLevel: 'info' } as const;

/** What the data dir was made for: restarting members of one kind as the other would not work. */
const MARKER = 'local-cluster.json';
const COLORS = [36, 33, 35, 32, 34, 31, 37];

function usageError(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

function prefixLines(name: string, color: number, stream: NodeJS.ReadableStream): void {
  const tag = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(7)}|\x1b[0m` : `${name.padEnd(7)}|`;
  createInterface({ input: stream }).on('line', (line) => console.log(`${tag} ${line}`));
}

function tlsArgs(certs: LocalClusterTls, name: string): string[] {
  const own = certs.members[name]!;
  return [
    '--cert-file', own.cert, '--key-file', own.key, '--trusted-ca-file', certs.ca, '--client-cert-auth',
    '--peer-cert-file', own.cert, '--peer-key-file', own.key, '--peer-trusted-ca-file', certs.ca, '--peer-client-cert-auth',
  ];
}

/** An argument as a POSIX shell reads it back. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts the members and keeps them running until SIGINT or SIGTERM; a bad option exits 2. */
export async function runLocalCluster(o: LocalClusterOptions): Promise<void> {
  const { size, host, tls } = o;
  if (![1, 3, 5, 7].includes(size)) usageError('--size must be 1, 3, 5 or 7');
  const scheme = tls ? 'https' : 'http';
  // A TLS cluster keeps its data apart: members remember their peer URLs, scheme included.
  const dataRoot = o.dataDir ?? join('data', tls ? 'cluster-tls' : 'cluster');
  const basePort = o.basePort;
  if (basePort !== undefined && !(Number.isInteger(basePort) && basePort > 0 && basePort + 4 * size <= 65536)) {
    usageError(`--base-port must leave room for ${4 * size} ports below 65536`);
  }
  const clientPort = (i: number): number => (basePort !== undefined ? basePort + 2 * i : i === 0 ? 2379 : (i + 1) * 10000 + 2379);
  const peerPort = (i: number): number => (basePort !== undefined ? basePort + 2 * i + 1 : clientPort(i) + 1);
  const dnsPort = (i: number): number => (basePort !== undefined ? basePort + 2 * size + i : i === 0 ? 8600 : (i + 1) * 10000 + 8600);
  const zookeeperPort = (i: number): number => (basePort !== undefined ? basePort + 3 * size + i : i === 0 ? 2181 : (i + 1) * 10000 + 2181);
  const names = Array.from({ length: size }, (_, i) => `infra${i + 1}`);
  const clientUrl = (i: number): string => `${scheme}://${host}:${clientPort(i)}`;
  const peerUrl = (i: number): string => `${scheme}://${host}:${peerPort(i)}`;
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const children: ChildProcess[] = [];
  let stopping = false;

  /** Refuses a data dir whose members were made with the other scheme, then records this one. */
  const checkScheme = async (): Promise<void> => {
    const marker = join(dataRoot, MARKER);
    let before: string | undefined;
    if (existsSync(marker)) before = (JSON.parse(await readFile(marker, 'utf8')) as { scheme?: string }).scheme;
    else if (names.some((n) => existsSync(join(dataRoot, `${n}.etcd`)))) before = 'http';
    if (before !== undefined && before !== scheme) {
      usageError(`${dataRoot} holds a cluster made ${before === 'https' ? 'with' : 'without'} --tls: add --fresh to start over, or pick another --data-dir`);
    }
    await mkdir(dataRoot, { recursive: true });
    await writeFile(marker, `${JSON.stringify({ scheme })}\n`);
  };

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('stopping the local cluster …');
    for (const c of children) c.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of children) c.kill('SIGKILL');
    }, 5000);
    Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r))))).then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (o.fresh) await rm(dataRoot, { recursive: true, force: true });
  await checkScheme();
  const certs = tls ? await localClusterTls(resolve(dataRoot, 'tls'), names, [host]) : undefined;
  if (certs) console.log(`${certs.made ? 'made a CA and certificates' : 'reusing the CA and certificates'} in ${certs.dir}`);
  const [program, ...prefix] = o.memberCommand;
  names.forEach((name, i) => {
    const args = [
      ...prefix,
      '--name', name,
      '--data-dir', join(dataRoot, `${name}.etcd`),
      '--listen-client-urls', clientUrl(i),
      '--advertise-client-urls', clientUrl(i),
      '--listen-peer-urls', peerUrl(i),
      '--initial-advertise-peer-urls', peerUrl(i),
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', 'lodestone-local-cluster',
      '--log-level', o.logLevel,
      '--listen-dns-urls', `${host}:${dnsPort(i)}`,
      '--listen-zookeeper-urls', `${host}:${zookeeperPort(i)}`,
      ...(certs ? tlsArgs(certs, name) : []),
    ];
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    prefixLines(name, COLORS[i % COLORS.length]!, child.stdout!);
    prefixLines(name, COLORS[i % COLORS.length]!, child.stderr!);
    child.on('exit', (code, signal) => {
      console.log(`${name.padEnd(7)}| exited (${signal ?? code})`);
      if (!stopping && children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(1);
    });
  });
  console.log(`local cluster of ${size}: clients at ${names.map((_, i) => (tls ? clientUrl(i) : `${host}:${clientPort(i)}`)).join(', ')}`);
  const ctl = certs
    ? [`--endpoints=${names.map((_, i) => clientUrl(i)).join(',')}`, `--cacert=${certs.ca}`, `--cert=${certs.client.cert}`, `--key=${certs.client.key}`]
    : ['--endpoints', names.map((_, i) => `${host}:${clientPort(i)}`).join(',')];
  console.log(`try: ETCDCTL_API=3 etcdctl ${ctl.map(shellWord).join(' ')} endpoint status -w table`);
  console.log(`web console: ${clientUrl(0)}/ui/ (every member serves it at /ui/)`);
  console.log(`DNS (the service registry) at ${names.map((_, i) => `${host}:${dnsPort(i)}`).join(', ')}; try: dig @${host} -p ${dnsPort(0)} <service>.service.lodestone SRV`);
  console.log(`ZooKeeper's protocol at ${names.map((_, i) => `${host}:${zookeeperPort(i)}`).join(',')}; try: /usr/share/zookeeper/bin/zkCli.sh -server ${host}:${zookeeperPort(0)} ls /`);
}
