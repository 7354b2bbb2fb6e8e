// bcrypt as etcd's Go library writes it: OpenBSD's published vectors and hashes a real etcd 3.4 made,
// and the hashes Lodestone writes for new passwords.
import { describe, expect, it } from 'vitest';
import { bcryptVerify, isBcryptHash } from '../../store/auth/bcrypt.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../../store/auth/password.js';

describe('bcrypt', () => {
  it("matches OpenBSD's vectors", async () => {
    expect(await bcryptVerify('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(await bcryptVerify('', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.')).toBe(true);
    expect(await bcryptVerify('U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK')).toBe(true);
    expect(await bcryptVerify('U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(false);
  });

  it('checks a hash etcd 3.4 stored, through the auth store', async () => {
    const etcdHash = '$2a$10$mJVPUshS/ZcHwKxFBhc/3eNJF6fFtZqFS5CfUxgkrSiCWJF/5By4W';
    expect(isBcryptHash(etcdHash)).toBe(true);
    await expect(verifyPassword('rootpw', etcdHash)).resolves.toBe(true);
    await expect(verifyPassword('rootpx', etcdHash)).resolves.toBe(false);
  });

  it("hashes new passwords as etcd does — bcrypt at etcd's cost 10, a fresh salt each time", async () => {
    const [a, b] = await Promise.all([hashPassword('secret'), hashPassword('secret')]);
    for (const h of [a, b]) {
      expect(h).toMatch(/^\$2[ab]\$10\$[./A-Za-z0-9]{53}$/);
      expect(isPasswordHash(h)).toBe(true);
      await expect(verifyPassword('secret', h)).resolves.toBe(true);
      await expect(verifyPassword('secreT', h)).resolves.toBe(false);
    }
    expect(a).not.toBe(b);
  });

  it('refuses malformed or too costly hashes, and fails an unknown user', async () => {
    const h = await hashPassword('secret');
    expect(await bcryptVerify('secret', h.slice(0, -1))).toBe(false);
    expect(isBcryptHash(h.replace('$10$', '$31$'))).toBe(false);
    expect(await bcryptVerify('secret', h.replace('$10$', '$31$'))).toBe(false);
    await expect(verifyPassword('secret', undefined)).resolves.toBe(false);
  });

  it('still checks the scrypt hashes an earlier Lodestone stored', async () => {
    // scrypt of "pw" with ln=15, r=8, p=1 and a salt of 16 zero bytes.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16);
    const key = scryptSync('pw', salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 256 * 2 ** 15 * 8 });
    const stored = `$scrypt$ln=15,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(isPasswordHash(stored)).toBe(true);
    await expect(verifyPassword('pw', stored)).resolves.toBe(true);
    await expect(verifyPassword('px', stored)).resolves.toBe(false);
  });
});
