// npm run cluster [-- --size 5] [--fresh] [--data-dir DIR]: a local cluster of 3 (or 5) member
// processes on etcd's local-cluster ports — clients on 2379, 22379, 32379, …, peers on 2380, 22380,
// 32380, … — each line of output prefixed with its member's name. Ctrl-C stops them all. Run it
// again and the members restart on their data; --fresh wipes it first.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3' },
    fresh: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: join('data', 'cluster') },
    host: { type: 'string', default: '127.0.0.1' },
    'log-level': { type: 'string', default: 'info' },
  },
});

const size = Number(values.size);
if (![1, 3, 5, 7].includes(size)) {
  console.error('--size must be 1, 3, 5 or 7');
  process.exit(2);
}
const host = values.host;
const dataRoot = values['data-dir'];
const clientPort = (i: number): number => (i === 0 ? 2379 : (i + 1) * 10000 + 2379);
const peerPort = (i: number): number => clientPort(i) + 1;
const names = Array.from({ length: size }, (_, i) => `infra${i + 1}`);
const initialCluster = names.map((n, i) => `${n}=http://${host}:${peerPort(i)}`).join(',');
const colors = [36, 33, 35, 32, 34, 31, 37];

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const children: ChildProcess[] = [];
let stopping = false;

function prefixLines(name: string, color: number, stream: NodeJS.ReadableStream): void {
  const tag = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(7)}|\x1b[0m` : `${name.padEnd(7)}|`;
  createInterface({ input: stream }).on('line', (line) => console.log(`${tag} ${line}`));
}

async function start(): Promise<void> {
  if (values.fresh) await rm(dataRoot, { recursive: true, force: true });
  names.forEach((name, i) => {
    const args = [
      '--import',
      'tsx',
      main,
      '--name', name,
      '--data-dir', join(dataRoot, `${name}.etcd`),
      '--listen-client-urls', `http://${host}:${clientPort(i)}`,
      '--advertise-client-urls', `http://${host}:${clientPort(i)}`,
      '--listen-peer-urls', `http://${host}:${peerPort(i)}`,
      '--initial-advertise-peer-urls', `http://${host}:${peerPort(i)}`,
      '--initial-cluster', initialCluster,
      '--initial-cluster-token', 'lodestone-local-cluster',
      '--log-level', values['log-level'],
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    prefixLines(name, colors[i % colors.length]!, child.stdout!);
    prefixLines(name, colors[i % colors.length]!, child.stderr!);
    child.on('exit', (code, signal) => {
      console.log(`${name.padEnd(7)}| exited (${signal ?? code})`);
      if (!stopping && children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(1);
    });
  });
  console.log(`local cluster of ${size}: clients at ${names.map((_, i) => `${host}:${clientPort(i)}`).join(', ')}`);
  console.log(`try: ETCDCTL_API=3 etcdctl --endpoints ${names.map((_, i) => `${host}:${clientPort(i)}`).join(',')} endpoint status -w table`);
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  console.log('stopping the local cluster …');
  for (const c of children) c.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL');
  }, 5000);
  Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r))))).then(() => {
    clearTimeout(timer);
    process.exit(0);
  }, () => process.exit(1));
}

process.on('SIGINT', stop);
process.on('SIGTERM', stop);
void start();
