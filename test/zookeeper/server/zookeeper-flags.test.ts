// The ZooKeeper interface's member flags: off by default, the registry bridge on with it; from the
// command line or LODESTONE_* variables, checked at start.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, usage } from '../../../cluster/flags.js';
import { MemberOptionsError, validateOptions } from '../../../cluster/member-options.js';

describe('the ZooKeeper flags', () => {
  it('serve no ZooKeeper protocol by default', () => {
    expect(parseCommandLine([], {}).options).toMatchObject({ listenZookeeperUrls: [], zookeeperRegistryBridge: true });
  });

  it('take addresses and the bridge switch from the command line or the environment', () => {
    const cli = parseCommandLine(['--listen-zookeeper-urls', '127.0.0.1:2181,[::1]:2181', '--zookeeper-registry-bridge=false'], {}).options;
    expect(cli).toMatchObject({ listenZookeeperUrls: ['127.0.0.1:2181', '[::1]:2181'], zookeeperRegistryBridge: false });
    validateOptions(cli);
    const env = parseCommandLine([], { LODESTONE_LISTEN_ZOOKEEPER_URLS: '0.0.0.0:2181', LODESTONE_ZOOKEEPER_REGISTRY_BRIDGE: 'false' }).options;
    expect(env).toMatchObject({ listenZookeeperUrls: ['0.0.0.0:2181'], zookeeperRegistryBridge: false });
  });

  it('refuse at start an address that is not host:port', () => {
    const check = (argv: string[]): void => validateOptions(parseCommandLine(argv, {}).options);
    expect(() => check(['--listen-zookeeper-urls', 'http://127.0.0.1:2181'])).toThrow(MemberOptionsError);
    expect(() => check(['--listen-zookeeper-urls', '127.0.0.1'])).toThrow('--listen-zookeeper-urls: "127.0.0.1" is not host:port (e.g. 127.0.0.1:2181)');
    expect(() => check(['--listen-zookeeper-urls', '[localhost]:2181'])).toThrow(MemberOptionsError);
  });

  it('take the bridge base path, refused unless it names a znode below the root', () => {
    const check = (path: string): void => validateOptions(parseCommandLine(['--zookeeper-registry-bridge-path', path], {}).options);
    expect(parseCommandLine([], {}).options.zookeeperRegistryBridgePath).toBe('/services');
    expect(() => check('/discovery/prod')).not.toThrow();
    expect(() => check('discovery')).toThrow(MemberOptionsError);
    expect(() => check('/')).toThrow('--zookeeper-registry-bridge-path "/": it must name a znode below the root (e.g. /services)');
    expect(() => check('/discovery/')).toThrow(MemberOptionsError);
  });

  it('take a super digest as ZooKeeper prints one, refused otherwise', () => {
    const check = (digest: string): void => validateOptions(parseCommandLine(['--zookeeper-super-digest', digest], {}).options);
    expect(parseCommandLine([], {}).options.zookeeperSuperDigest).toBe('');
    expect(() => check('super:D/InIHSb7yEEbrWz8b9l71RjZJU=')).not.toThrow();
    const env = parseCommandLine([], { LODESTONE_ZOOKEEPER_SUPER_DIGEST: 'admin:xQJmxLMiHGwaqBvst5y6rkB6HQs=' }).options;
    expect(env.zookeeperSuperDigest).toBe('admin:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
    // The password itself, or a digest without its user, is a mistake to say at start.
    expect(() => check('super:test')).toThrow('--zookeeper-super-digest: expected user:base64(sha1(user:password))');
    expect(() => check('D/InIHSb7yEEbrWz8b9l71RjZJU=')).toThrow(MemberOptionsError);
  });

  it('are listed in --help', () => {
    const help = usage();
    expect(help).toContain('--listen-zookeeper-urls <value>');
    expect(help).toContain('--zookeeper-registry-bridge');
    expect(help).toContain('--zookeeper-registry-bridge-path <value>');
    expect(help).toContain('--zookeeper-super-digest <value>');
    expect(help).toContain('env LODESTONE_LISTEN_ZOOKEEPER_URLS');
  });
});
