import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, usage } from '../../cluster/flags.js';
import { MemberOptionsError, validateOptions } from '../../cluster/member-options.js';

const dir = mkdtempSync(join(tmpdir(), 'flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the member's flags, as etcd's", () => {
  it("uses etcd's defaults, with the data dir and initial cluster following --name", () => {
    const { options } = parseCommandLine([], {});
    expect(options).toMatchObject({
      name: 'default',
      dataDir: 'default.etcd',
      listenClientUrls: ['http://localhost:2379'],
      listenPeerUrls: ['http://localhost:2380'],
      initialCluster: 'default=http://localhost:2380',
      initialClusterState: 'new',
      initialClusterToken: 'etcd-cluster',
      heartbeatInterval: 100,
      electionTimeout: 1000,
    });
    const named = parseCommandLine(['--name', 'infra1', '--initial-advertise-peer-urls', 'http://127.0.0.1:12380'], {}).options;
    expect(named.dataDir).toBe('infra1.etcd');
    expect(named.initialCluster).toBe('infra1=http://127.0.0.1:12380');
    validateOptions(named);
  });

  it('takes the command line over LODESTONE_* variables over the config file', () => {
    const file = join(dir, 'member.yml');
    writeFileSync(file, ['name: from-file', 'data-dir: /from/file', 'heartbeat-interval: 50', 'listen-client-urls: http://127.0.0.1:1,http://127.0.0.1:2'].join('\n'));
    const env = { LODESTONE_CONFIG_FILE: file, LODESTONE_DATA_DIR: '/from/env', LODESTONE_ELECTION_TIMEOUT: '700' };
    const { options } = parseCommandLine(['--election-timeout', '900'], env);
    expect(options.name).toBe('from-file');
    expect(options.dataDir).toBe('/from/env');
    expect(options.heartbeatInterval).toBe(50);
    expect(options.electionTimeout).toBe(900);
    expect(options.listenClientUrls).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  });

  it('refuses unknown flags, bad numbers and bad states with a clear error', () => {
    expect(() => parseCommandLine(['--no-such-flag'], {})).toThrow(MemberOptionsError);
    expect(() => parseCommandLine(['--heartbeat-interval', 'soon'], {})).toThrow(/not a number/);
    expect(() => parseCommandLine(['--initial-cluster-state', 'maybe'], {})).toThrow(/"new" or "existing"/);
  });

  it("takes etcd's watch progress interval as a Go duration (nanoseconds in the config file)", () => {
    expect(parseCommandLine([], {}).options.watchProgressNotifyIntervalMs).toBe(600_000);
    const flag = (value: string): number => parseCommandLine(['--experimental-watch-progress-notify-interval', value], {}).options.watchProgressNotifyIntervalMs;
    expect(flag('250ms')).toBe(250);
    expect(flag('1m30s')).toBe(90_000);
    expect(flag('1.5s')).toBe(1500);
    expect(() => flag('250')).toThrow(/not a duration/);
    expect(() => flag('5 minutes')).toThrow(/not a duration/);
    const file = join(dir, 'progress.yml');
    writeFileSync(file, 'experimental-watch-progress-notify-interval: 2000000000\n');
    expect(parseCommandLine(['--config-file', file], {}).options.watchProgressNotifyIntervalMs).toBe(2000);
    expect(usage()).toContain('(default: 10m; env LODESTONE_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL)');
  });

  it('checks the initial cluster against the advertised peer URLs', () => {
    const { options } = parseCommandLine(['--name', 'a', '--initial-cluster', 'b=http://127.0.0.1:2380'], {});
    expect(() => validateOptions(options)).toThrow(/no entry for --name "a"/);
    const mismatch = parseCommandLine(['--name', 'a', '--initial-cluster', 'a=http://127.0.0.1:9999'], {}).options;
    expect(() => validateOptions(mismatch)).toThrow(/initial-advertise-peer-urls/);
  });

  it('lists every flag with its environment variable in --help', () => {
    const text = usage();
    for (const flag of ['--name', '--data-dir', '--listen-client-urls', '--initial-cluster-token', '--config-file']) expect(text).toContain(flag);
    expect(text).toContain('LODESTONE_INITIAL_CLUSTER_STATE');
  });
});
