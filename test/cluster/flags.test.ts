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

  it("takes etcd's --quota-backend-bytes from the command line, LODESTONE_QUOTA_BACKEND_BYTES or the config file", () => {
    expect(parseCommandLine([], {}).options.quotaBackendBytes).toBe(0);
    expect(parseCommandLine(['--quota-backend-bytes', '16777216'], {}).options.quotaBackendBytes).toBe(16_777_216);
    expect(parseCommandLine([], { LODESTONE_QUOTA_BACKEND_BYTES: '1048576' }).options.quotaBackendBytes).toBe(1_048_576);
    const file = join(dir, 'quota.yml');
    writeFileSync(file, 'quota-backend-bytes: 8589934592\n');
    expect(parseCommandLine(['--config-file', file], {}).options.quotaBackendBytes).toBe(8 * 1024 * 1024 * 1024);
    const { options } = parseCommandLine(['--quota-backend-bytes', '1.5'], {});
    expect(() => validateOptions(options)).toThrow(/--quota-backend-bytes must be a whole number/);
    expect(usage()).toContain('env LODESTONE_QUOTA_BACKEND_BYTES');
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

  it("takes etcd's TLS flags: Go-style booleans, cipher suites by Go's names, TLS versions by etcd's", () => {
    const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env).options;
    expect(parse([])).toMatchObject({ certFile: '', clientCertAuth: false, autoTls: false, cipherSuites: [], tlsMinVersion: 'TLS1.2' });
    expect(parse(['--client-cert-auth']).clientCertAuth).toBe(true);
    expect(parse(['--client-cert-auth=false']).clientCertAuth).toBe(false);
    expect(parse(['--peer-client-cert-auth=true', '--peer-auto-tls']).peerClientCertAuth).toBe(true);
    expect(parse([], { LODESTONE_CLIENT_CERT_AUTH: 'true', LODESTONE_CERT_FILE: '/c.pem' })).toMatchObject({ clientCertAuth: true, certFile: '/c.pem' });
    expect(() => parse(['--client-cert-auth=maybe'])).toThrow(/not true or false/);
    expect(parse(['--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384']).cipherSuites).toEqual([
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    ]);
    expect(parse(['--tls-min-version', 'TLS1.3']).tlsMinVersion).toBe('TLS1.3');
    expect(() => parse(['--tls-min-version', '1.3'])).toThrow(/unexpected TLS version "1.3" \(must be one of: TLS1.2, TLS1.3\)/);
    expect(usage()).toContain('--peer-cert-allowed-cn');
  });

  it("reads etcd's TLS sections of a config file, as well as the flags' own names", () => {
    const file = join(dir, 'tls.yml');
    writeFileSync(
      file,
      [
        'client-transport-security:',
        '  cert-file: /etc/ssl/server.pem',
        '  key-file: /etc/ssl/server-key.pem',
        '  client-cert-auth: true',
        '  trusted-ca-file: /etc/ssl/ca.pem',
        'peer-transport-security:',
        '  auto-tls: true',
        'peer-cert-allowed-cn: member',
        'cipher-suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
        "tls-min-version: 'TLS1.2'",
      ].join('\n'),
    );
    expect(parseCommandLine(['--config-file', file], {}).options).toMatchObject({
      certFile: '/etc/ssl/server.pem',
      keyFile: '/etc/ssl/server-key.pem',
      clientCertAuth: true,
      trustedCaFile: '/etc/ssl/ca.pem',
      peerAutoTls: true,
      peerCertAllowedCn: 'member',
      cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
    });
  });

  it('refuses at start what etcd refuses: an https URL without a certificate, a cipher list HTTP/2 cannot use', () => {
    const base = ['--initial-advertise-peer-urls', 'https://127.0.0.1:12380', '--listen-peer-urls', 'https://127.0.0.1:12380'];
    const https = ['--listen-client-urls', 'https://127.0.0.1:12379', ...base];
    const check = (argv: string[]): void => validateOptions(parseCommandLine(argv, {}).options);
    expect(() => check(https)).toThrow('TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:12379 with HTTPS scheme');
    expect(() => check([...https, '--auto-tls'])).toThrow('TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url https://127.0.0.1:12380 with HTTPS scheme');
    expect(() => check([...https, '--auto-tls', '--peer-auto-tls'])).not.toThrow();
    expect(() => check([...https, '--cert-file', 'c.pem', '--peer-auto-tls'])).toThrow('--cert-file and --key-file must be given together');
    const tls = [...https, '--auto-tls', '--peer-auto-tls'];
    expect(() => check([...tls, '--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'])).toThrow(/missing an HTTP\/2-required AES_128_GCM_SHA256 cipher/);
    expect(() => check([...tls, '--cipher-suites', 'TLS_NO_SUCH_SUITE'])).toThrow('unexpected TLS cipher suite "TLS_NO_SUCH_SUITE"');
    expect(() => check([...tls, '--tls-min-version', 'TLS1.3', '--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'])).toThrow(
      'cipher suites cannot be configured when only TLS1.3 is enabled',
    );
  });

  it("takes etcd's --listen-metrics-urls: none by default, an https one only with the client certificate", () => {
    expect(parseCommandLine([], {}).options.listenMetricsUrls).toEqual([]);
    const urls = 'http://127.0.0.1:12381,https://127.0.0.1:12382';
    expect(parseCommandLine(['--listen-metrics-urls', urls], {}).options.listenMetricsUrls).toEqual(['http://127.0.0.1:12381', 'https://127.0.0.1:12382']);
    expect(parseCommandLine([], { LODESTONE_LISTEN_METRICS_URLS: 'http://127.0.0.1:12381' }).options.listenMetricsUrls).toEqual(['http://127.0.0.1:12381']);
    const check = (argv: string[]): void => validateOptions(parseCommandLine(argv, {}).options);
    expect(() => check(['--listen-metrics-urls', 'http://127.0.0.1:12381'])).not.toThrow();
    expect(() => check(['--listen-metrics-urls', '127.0.0.1:12381'])).toThrow(MemberOptionsError);
    expect(() => check(['--listen-metrics-urls', urls])).toThrow('TLS key/cert (--cert-file, --key-file) must be provided for metrics url https://127.0.0.1:12382 with HTTPS scheme');
    expect(() => check(['--listen-metrics-urls', urls, '--auto-tls'])).not.toThrow();
  });
});
