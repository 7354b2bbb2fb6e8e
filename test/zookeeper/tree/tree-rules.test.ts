// The znode tree's pure rules, without a member: ZooKeeper's path rules, ACL fixup and matching, and
// the TTL bounds of the create modes.
import { describe, expect, it } from 'vitest';
import { allowed, fixupAcl } from '../../../zookeeper/tree/acl.js';
import { MAX_TTL_MS, modeTraits, validateTtl } from '../../../zookeeper/tree/create-mode.js';
import { childPath, nameOf, parentOf, pathProblem } from '../../../zookeeper/tree/paths.js';
import { digestAuthId, isZkTreeError } from '../../../zookeeper/tree/index.js';

const caller = (authIds: { scheme: string; id: string }[] = []) => ({ sessionId: 0n, authIds });

describe('paths', () => {
  it('accepts what ZooKeeper accepts and refuses the rest', () => {
    for (const ok of ['/', '/a', '/a/b', '/a.b', '/..a', '/a/...', '/é', '/a b']) expect(pathProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'a', '/a/', '//', '/a//b', '/.', '/a/..', '/\u0000', '/\u001f', '/\u007f', '/\u009f', '/\ud800', '/\uf8ff', '/\ufff0']) {
      expect(pathProblem(bad), JSON.stringify(bad)).toBeDefined();
    }
  });

  it('splits parent and name', () => {
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
    expect(nameOf('/a/b')).toBe('b');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
  });
});

describe('ACLs', () => {
  const alice = { scheme: 'digest', id: digestAuthId('alice:pw') };

  it('drops duplicates, expands auth to authenticated ids only, refuses malformed entries', () => {
    const world = { perms: 31, scheme: 'world', id: 'anyone' };
    expect(fixupAcl('/x', caller(), [world, world])).toEqual([world]);
    expect(fixupAcl('/x', caller([alice, { scheme: 'ip', id: '127.0.0.1' }]), [{ perms: 3, scheme: 'auth', id: 'ignored' }])).toEqual([{ perms: 3, ...alice }]);
    const invalid = (acl: { perms: number; scheme: string; id: string }[], who = caller()): boolean => {
      try {
        fixupAcl('/x', who, acl);
        return false;
      } catch (error) {
        return isZkTreeError(error, 'InvalidACL');
      }
    };
    expect(invalid([])).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'auth', id: '' }], caller([{ scheme: 'ip', id: '127.0.0.1' }]))).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'digest', id: 'a:b:c' }])).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'digest', id: 'a:' }])).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'ip', id: '10.0.0.1/33' }])).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'ip', id: 'host' }])).toBe(true);
    expect(invalid([{ perms: 1, scheme: 'ip', id: '10.0.0.0/8' }])).toBe(false);
  });

  it('matches any of the asked bits, world, digest, ip and super', () => {
    const acl = [{ perms: 1, ...alice }];
    expect(allowed(caller([alice]), acl, 1)).toBe(true);
    expect(allowed(caller([alice]), acl, 2)).toBe(false);
    expect(allowed(caller([alice]), acl, 1 | 16)).toBe(true);
    expect(allowed(caller(), acl, 1)).toBe(false);
    expect(allowed(caller([{ scheme: 'super', id: 'root' }]), acl, 2)).toBe(true);
    expect(allowed(caller(), [], 2)).toBe(true);
    expect(allowed(caller([{ scheme: 'ip', id: '192.168.1.9' }]), [{ perms: 1, scheme: 'ip', id: '192.168.1.0/24' }], 1)).toBe(true);
    expect(allowed(caller([{ scheme: 'ip', id: '192.168.2.9' }]), [{ perms: 1, scheme: 'ip', id: '192.168.1.0/24' }], 1)).toBe(false);
  });
});

describe('create modes', () => {
  it('bounds TTLs as EphemeralType does', () => {
    const ttl = modeTraits('persistent_with_ttl');
    expect(() => validateTtl('/x', ttl, 1)).not.toThrow();
    expect(() => validateTtl('/x', ttl, MAX_TTL_MS)).not.toThrow();
    expect(() => validateTtl('/x', ttl, MAX_TTL_MS + 1)).toThrow();
    expect(() => validateTtl('/x', ttl, -1)).toThrow();
    expect(() => validateTtl('/x', modeTraits('persistent'), -1)).not.toThrow();
    expect(() => validateTtl('/x', modeTraits('container'), 0)).toThrow();
    expect(modeTraits('ephemeral_sequential')).toEqual({ kind: 'ephemeral', sequential: true });
  });
});
