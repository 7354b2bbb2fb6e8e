// bcrypt ($2a$ / $2b$ / $2y$), the password hash etcd keeps (cost 10 by default, its --bcrypt-cost),
// through bcryptjs: hashing new passwords as etcd does means the auth store moves between Lodestone
// and etcd in either direction with its passwords. bcryptjs's async calls work in slices between
// other events, so a check does not hold the member's event loop for its whole run.
import bcrypt from 'bcryptjs';

/** etcd's default bcrypt cost (its --bcrypt-cost). */
export const BCRYPT_COST = 10;
/** Costs above this are refused: a hostile hash (etcd clients may send one) could take minutes to check. */
const MAX_COST = 16;

const FORM = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Whether `hash` is a bcrypt hash of a cost this member will check. */
export function isBcryptHash(hash: string): boolean {
  const m = FORM.exec(hash);
  if (!m) return false;
  const cost = Number(m[1]);
  return cost >= 4 && cost <= MAX_COST;
}

/** A bcrypt hash of `password` with a random salt, in the $2a$ form etcd's Go library writes. */
export function bcryptHash(password: string, cost = BCRYPT_COST): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Whether `password` matches the bcrypt `hash`; false for a hash this member will not check. */
export async function bcryptVerify(password: string, hash: string): Promise<boolean> {
  if (!isBcryptHash(hash)) return false;
  return bcrypt.compare(password, hash);
}
