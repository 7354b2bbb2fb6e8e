// The console's static files: the front end in console/ at the package's root, and the three
// browser modules it imports (Preact, its hooks, htm) straight from their packages, so the member
// serves everything and nothing is fetched from elsewhere. Files are read once and kept: the whole
// console is a few hundred kilobytes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator for If-None-Match. */
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** /ui/vendor/<name> → the module's package and its path there (the packages' exports do not list these files). */
const VENDOR_MODULES: Readonly<Record<string, readonly [pkg: string, file: string]>> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.mjs'],
};

/** The folder of an installed package, found as Node finds it: node_modules/ here or in a folder above. */
function packageDir(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** console/ beside package.json, from the sources (tsx) or from dist/ alike; undefined if it is not there. */
function findConsoleDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'console', 'index.html'))) return join(dir, 'console');
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export class ConsoleFiles {
  private readonly cache = new Map<string, ConsoleFile | null>();
  /** Undefined when the console's files were left out (a member built without them serves no console). */
  readonly root: string | undefined;

  constructor(root = findConsoleDir()) {
    this.root = root;
  }

  /** A file under the console by its path below /ui/ ('' is index.html); undefined if there is none. */
  get(path: string): ConsoleFile | undefined {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached ?? undefined;
    const file = this.load(path);
    this.cache.set(path, file ?? null);
    return file;
  }

  private load(path: string): ConsoleFile | undefined {
    if (this.root === undefined) return undefined;
    const name = path === '' ? 'index.html' : path;
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) return undefined;
    let full: string;
    if (name.startsWith('vendor/')) {
      const target = VENDOR_MODULES[name.slice('vendor/'.length)];
      const dir = target && packageDir(target[0], this.root);
      if (!target || dir === undefined) return undefined;
      full = join(dir, target[1]);
    } else {
      full = normalize(join(this.root, name));
      // No way out of the console's folder, whatever the path says.
      if (!full.startsWith(this.root + sep)) return undefined;
    }
    let body: Buffer;
    try {
      body = readFileSync(full);
    } catch {
      return undefined;
    }
    return { body, contentType: type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}

/** The hashes of index.html's inline scripts (its import map), for the Content-Security-Policy. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
    const text = m[1]!;
    if (text.trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(text).digest('base64')}'`);
  }
  return hashes;
}
