// `lodestone cluster --tls` (npm run cluster -- --tls): the certificates it makes (a CA, members' certificates for their
// hosts, a user's) are kept across runs and made again when one is missing; the cluster it starts
// (on free ports, --base-port) answers the etcdctl command line it prints, exactly as printed —
// endpoint status, put and get over mutual TLS — refuses a client without a certificate, and stops
// cleanly on SIGTERM.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterTls } from '../../cluster/local-cluster-tls.js';
import { checkBinaries, findBinary } from '../support/binaries.js';
import { eventually } from '../support/eventually.js';
import { freePortRange } from '../support/free-ports.js';
import { ServerProcess } from '../support/server-process.js';

const binaries = checkBinaries(['etcdctl'], 'npm run cluster -- --tls');
const LODESTONE = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

describe('the local cluster certificates', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lodestone-local-tls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('chain to one CA, name the hosts, are reused while good and made again when one is missing', async () => {
    const made = await localClusterTls(join(dir, 'tls'), ['infra1', 'infra2'], ['127.0.0.1', 'example.test']);
    expect(made.made).toBe(true);
    const ca = new X509Certificate(readFileSync(made.ca));
    expect(ca.ca).toBe(true);
    for (const name of ['infra1', 'infra2']) {
      const cert = new X509Certificate(readFileSync(made.members[name]!.cert));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkHost('localhost')).toBe('localhost');
      expect(cert.checkHost('example.test')).toBe('example.test');
      expect(cert.subject).toContain(`CN=${name}`);
    }
    const client = new X509Certificate(readFileSync(made.client.cert));
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.ca).toBe(false);

    const again = await localClusterTls(join(dir, 'tls'), ['infra1', 'infra2'], ['127.0.0.1', 'example.test']);
    expect(again.made).toBe(false);
    expect(await readFile(again.ca, 'utf8')).toBe(ca.toString());

    // A member more than before: everything is made again, with a new CA.
    const grown = await localClusterTls(join(dir, 'tls'), ['infra1', 'infra2', 'infra3'], ['127.0.0.1']);
    expect(grown.made).toBe(true);
    expect(await readFile(grown.ca, 'utf8')).not.toBe(ca.toString());
  });
});

/** The printed "try: VAR=… etcdctl --flag=… … command…" line as environment, etcdctl's flags and its command. */
function parseTryLine(line: string): { env: Record<string, string>; flags: string[]; command: string[] } {
  const words = line.replace(/^.*?try: /, '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_]+=/.test(words[0]!)) {
    const [k, v] = words.shift()!.split('=', 2) as [string, string];
    env[k] = v;
  }
  expect(words.shift()).toBe('etcdctl');
  const firstCommand = words.findIndex((w) => !w.startsWith('--'));
  return { env, flags: words.slice(0, firstCommand), command: words.slice(firstCommand) };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(env: Record<string, string>, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    // Only the printed line's settings: none of the caller's ETCDCTL_* leak in.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCDCTL_')));
    execFile(findBinary('etcdctl')!, [...args], { env: { ...clean, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.runIf(binaries.run)('npm run cluster -- --tls', () => {
  let dataDir: string;
  let cluster: ServerProcess;
  let basePort: number;

  beforeAll(async () => {
    binaries.assertPresent();
    dataDir = await mkdtemp(join(tmpdir(), 'lodestone-local-cluster-'));
    basePort = await freePortRange(12);
    cluster = new ServerProcess({
      name: 'local-cluster',
      command: process.execPath,
      args: ['--import', 'tsx', LODESTONE, 'cluster', '--tls', '--data-dir', dataDir, '--base-port', String(basePort), '--log-level', 'warn'],
    });
    cluster.start();
  });

  afterAll(async () => {
    await cluster?.stop(15_000);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints an etcdctl line that reaches the cluster over mutual TLS as written, and stops cleanly', async () => {
    const line = await cluster.waitForLine(/^try: /, { timeoutMs: 30_000, past: true });
    const { env, flags, command } = parseTryLine(line);
    expect(command).toEqual(['endpoint', 'status', '-w', 'table']);
    const endpoints = [0, 2, 4].map((d) => `https://127.0.0.1:${basePort + d}`);
    expect(flags).toEqual([
      `--endpoints=${endpoints.join(',')}`,
      `--cacert=${join(dataDir, 'tls', 'ca.pem')}`,
      `--cert=${join(dataDir, 'tls', 'client.pem')}`,
      `--key=${join(dataDir, 'tls', 'client-key.pem')}`,
    ]);

    // The line as printed, once the members have a leader.
    const status = await eventually(
      'endpoint status over TLS',
      async () => {
        const r = await run(env, [...flags, ...command]);
        return r.code === 0 && endpoints.every((e) => r.stdout.includes(e)) && r.stdout.includes('true') ? r : undefined;
      },
      60_000,
      500,
    );
    expect(status.stdout).toContain('IS LEADER');

    expect(await run(env, [...flags, 'put', 'greeting', 'hello over TLS'])).toMatchObject({ code: 0, stdout: 'OK\n' });
    const each = await Promise.all(endpoints.map((e) => run(env, [...flags.filter((f) => !f.startsWith('--endpoints=')), `--endpoints=${e}`, 'get', 'greeting'])));
    for (const r of each) expect(r).toMatchObject({ code: 0, stdout: 'greeting\nhello over TLS\n' });

    // Without a client certificate, or in plaintext, the members do not answer.
    const noCert = await run(env, [`--endpoints=${endpoints[0]!}`, flags[1]!, '--command-timeout=2s', '--dial-timeout=2s', 'get', 'greeting']);
    expect(noCert.code).not.toBe(0);
    const plain = await run(env, [`--endpoints=${endpoints[0]!.replace('https:', 'http:')}`, '--command-timeout=2s', '--dial-timeout=2s', 'get', 'greeting']);
    expect(plain.code).not.toBe(0);

    expect(await cluster.stop(15_000)).toEqual({ code: 0, signal: null });
    const out = cluster.output();
    for (const name of ['infra1', 'infra2', 'infra3']) expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${name}\\s*\\| exited \\(0\\)$`)));
  }, 120_000);
});
