// bcrypt as etcd's Go library writes it: OpenBSD's published vectors and hashes a real etcd 3.4 made.
import { describe, expect, it } from 'vitest';
import { bcryptHash, bcryptVerify, isBcryptHash } from '../../store/auth/bcrypt.js';
import { verifyPassword } from '../../store/auth/password.js';

describe('bcrypt', () => {
  it("matches OpenBSD's vectors", () => {
    expect(bcryptVerify('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(true);
    expect(bcryptVerify('', '$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.')).toBe(true);
    expect(bcryptVerify('U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK')).toBe(true);
    expect(bcryptVerify('U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW')).toBe(false);
  });

  it('checks a hash etcd 3.4 stored, through the auth store', async () => {
    const etcdHash = '$2a$10$mJVPUshS/ZcHwKxFBhc/3eNJF6fFtZqFS5CfUxgkrSiCWJF/5By4W';
    expect(isBcryptHash(etcdHash)).toBe(true);
    await expect(verifyPassword('rootpw', etcdHash)).resolves.toBe(true);
    await expect(verifyPassword('rootpx', etcdHash)).resolves.toBe(false);
  });

  it('hashes to the form it reads, and refuses malformed or too costly hashes', () => {
    const h = bcryptHash('secret', 4, new Uint8Array(16).fill(7));
    expect(h).toMatch(/^\$2a\$04\$[./A-Za-z0-9]{53}$/);
    expect(bcryptVerify('secret', h)).toBe(true);
    expect(bcryptVerify('secret', h.slice(0, -1))).toBe(false);
    expect(bcryptVerify('secret', h.replace('$04$', '$31$'))).toBe(false);
  });
});
