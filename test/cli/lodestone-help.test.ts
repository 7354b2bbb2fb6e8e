// The `lodestone` command run as a user runs it (node + tsx on cli/main.ts, as `npm run lodestone`
// does): help and version at every level, and commander's errors for what it does not know.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAGS } from '../../cluster/flags.js';
import { version } from '../../cluster/version.js';
import { REPO_ROOT } from '../support/cluster.js';

const MAIN = join(REPO_ROOT, 'cli', 'main.ts');
const NODE_ARGS = ['--import', 'tsx', MAIN];

/** The environment without the caller's LODESTONE_* settings, which the member would read. */
function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return { ...env, ...extra };
}

/** Several short runs at once, in their own processes (each pays tsx's start-up). */
function lodestoneAll(runs: readonly (readonly string[])[]): Promise<{ code: number | null; stdout: string; stderr: string }[]> {
  return Promise.all(
    runs.map(
      (args) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
          child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stdout, stderr }));
        }),
    ),
  );
}

describe('lodestone: help, version and errors', () => {
  it('lists its subcommands, and each its flags, with --help at every level', async () => {
    const [top, member, memberLate, cluster, helpMember, snapshot, snapshotRestore] = await lodestoneAll([
      ['--help'],
      ['member', '--help'],
      ['member', '--name', 'x', '--help'],
      ['cluster', '-h'],
      ['help', 'member'],
      ['snapshot', '--help'],
      ['snapshot', 'restore', '--help'],
    ]);
    expect(top!.code).toBe(0);
    expect(top!.stdout).toMatch(/^Usage: lodestone \[options\] \[command\]/);
    expect(top!.stdout).toMatch(/^\s+member \[options\]\s+run a member/m);
    expect(top!.stdout).toMatch(/^\s+cluster \[options\]\s+run a local cluster/m);
    expect(top!.stdout).toMatch(/^\s+snapshot \[options\]\s+save, inspect and restore snapshots/m);
    expect(snapshot!.code).toBe(0);
    for (const sub of ['save [options] <filename>', 'status [options] <filename>', 'restore [options] <filename>']) expect(snapshot!.stdout).toContain(sub);
    expect(snapshotRestore!.code).toBe(0);
    for (const flag of ['--data-dir', '--name', '--initial-cluster', '--initial-advertise-peer-urls', '--skip-hash-check']) expect(snapshotRestore!.stdout).toContain(flag);
    for (const r of [member!, memberLate!, helpMember!]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: lodestone member \[etcd flags…\]/);
      // Every flag of the member's table, with its environment variable.
      for (const f of FLAGS) expect(r.stdout).toContain(`  --${f.flag}`);
      expect(r.stdout).toContain('--auto-compaction-retention <value>');
      expect(r.stdout).toContain('env LODESTONE_AUTO_COMPACTION_MODE');
      expect(r.stdout).toContain('--config-file');
    }
    expect(cluster!.code).toBe(0);
    for (const flag of ['--size <n>', '--fresh', '--data-dir <dir>', '--host <host>', '--log-level <level>', '--tls', '--base-port <n>']) expect(cluster!.stdout).toContain(flag);
  });

  it('prints its version at every level', async () => {
    const runs = await lodestoneAll([['--version'], ['-V'], ['member', '--version'], ['member', '--name', 'x', '--version'], ['cluster', '--version']]);
    for (const r of runs) expect(r).toMatchObject({ code: 0, stdout: `lodestone ${version()}\n` });
    expect(version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("refuses an unknown subcommand or option with commander's message and a non-zero exit", async () => {
    const [command, option, clusterOption, memberFlag, badSize] = await lodestoneAll([
      ['bogus'],
      ['--bogus'],
      ['cluster', '--bogus'],
      ['member', '--bogus'],
      ['cluster', '--size', 'three'],
    ]);
    expect(command!.code).toBe(1);
    expect(command!.stderr).toContain("error: unknown command 'bogus'");
    expect(option!.code).toBe(1);
    expect(option!.stderr).toContain("error: unknown option '--bogus'");
    expect(clusterOption!.code).toBe(1);
    expect(clusterOption!.stderr).toContain("error: unknown option '--bogus'");
    // The member's flags are its own parser's, which says so as it always has.
    expect(memberFlag!.code).toBe(2);
    expect(memberFlag!.stderr).toContain("Unknown option '--bogus'");
    expect(badSize!.code).toBe(1);
    expect(badSize!.stderr).toContain("error: option '--size <n>' argument 'three' is invalid. Not an integer.");
    // Nothing was started by any of them.
    for (const r of [command!, option!, clusterOption!, memberFlag!, badSize!]) expect(r.stdout).not.toContain('member started');
  });

  it('npm run lodestone runs it from a checkout', () => {
    const r = spawnSync('npm', ['run', '--silent', 'lodestone', '--', 'member', '--version'], { cwd: REPO_ROOT, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe(`lodestone ${version()}\n`);
    expect(r.status).toBe(0);
  });
});

