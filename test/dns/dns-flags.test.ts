// The DNS interface's member flags: none served by default, lodestone. as the domain, passing
// instances only; from the command line, LODESTONE_* variables or a config file, checked at start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine, usage } from '../../cluster/flags.js';
import { MemberOptionsError, validateOptions } from '../../cluster/member-options.js';

const dir = mkdtempSync(join(tmpdir(), 'dns-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the DNS flags', () => {
  it('serve no DNS by default, for lodestone., passing instances only', () => {
    expect(parseCommandLine([], {}).options).toMatchObject({ listenDnsUrls: [], dnsDomain: 'lodestone.', dnsOnlyPassing: true });
  });

  it('take addresses, a domain and a Go boolean from the command line, the environment or a config file', () => {
    const cli = parseCommandLine(['--listen-dns-urls', '127.0.0.1:8600,[::1]:8600', '--dns-domain', 'consul.', '--dns-only-passing=false'], {}).options;
    expect(cli).toMatchObject({ listenDnsUrls: ['127.0.0.1:8600', '[::1]:8600'], dnsDomain: 'consul.', dnsOnlyPassing: false });
    validateOptions(cli);
    const env = parseCommandLine([], { LODESTONE_LISTEN_DNS_URLS: '0.0.0.0:53', LODESTONE_DNS_ONLY_PASSING: 'false' }).options;
    expect(env).toMatchObject({ listenDnsUrls: ['0.0.0.0:53'], dnsOnlyPassing: false });
    const file = join(dir, 'conf.yml');
    writeFileSync(file, 'listen-dns-urls: 127.0.0.1:8600\ndns-domain: sd.example.com.\n');
    expect(parseCommandLine(['--config-file', file], {}).options).toMatchObject({ listenDnsUrls: ['127.0.0.1:8600'], dnsDomain: 'sd.example.com.' });
  });

  it('refuse at start an address that is not host:port, and an empty domain', () => {
    const check = (argv: string[]): void => validateOptions(parseCommandLine(argv, {}).options);
    expect(() => check(['--listen-dns-urls', 'http://127.0.0.1:8600'])).toThrow(MemberOptionsError);
    expect(() => check(['--listen-dns-urls', '127.0.0.1'])).toThrow('--listen-dns-urls: "127.0.0.1" is not host:port (e.g. 127.0.0.1:8600 or [::1]:8600)');
    expect(() => check(['--dns-domain', '.'])).toThrow(MemberOptionsError);
  });

  it('are listed in --help with their defaults', () => {
    const help = usage();
    for (const flag of ['--listen-dns-urls <value>', '--dns-domain <value>', '--dns-only-passing']) expect(help).toContain(flag);
    expect(help).toContain('(default: lodestone.; env LODESTONE_DNS_DOMAIN)');
    expect(help).toContain('(default: true; env LODESTONE_DNS_ONLY_PASSING)');
  });
});
