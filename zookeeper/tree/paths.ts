// ZooKeeper's path rules (PathUtils.validatePath) and the parent/name split the tree uses.
import { ZkTreeError } from './errors.js';

/** The znodes ZooKeeper itself keeps; they cannot be deleted. */
export const SPECIAL_PATHS: readonly string[] = ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config'];

/** Why `path` is not a valid znode path, or undefined when it is. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'path length must be > 0';
  if (path[0] !== '/') return 'path must start with / character';
  if (path.length === 1) return undefined;
  if (path.endsWith('/')) return 'path must not end with / character';
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment.length === 0) return 'empty node name specified';
    if (segment === '.' || segment === '..') return 'relative paths not allowed';
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) return 'null character not allowed';
    // ZooKeeper refuses control characters, the C1 range, surrogates and private use, and U+FFF0..U+FFFF.
    if ((c > 0 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      return `invalid character @${i}`;
    }
  }
  return undefined;
}

/** Throws BadArguments unless `path` is a valid znode path. */
export function validatePath(path: string): void {
  if (pathProblem(path) !== undefined) throw new ZkTreeError('BadArguments', path);
}

/** The parent of a path: "/a/b" → "/a", "/a" → "/" (and "/" → "/", as ZooKeeper's "" is the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last segment: "/a/b" → "b". */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The full path of child `name` of `parent`. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
