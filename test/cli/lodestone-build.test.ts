// The built command: `npm run build` (in a scratch copy of the package, so it never races with a
// build in the checkout) makes dist/cli/main.js, package.json's bin — a node script with its
// shebang, executable, that runs from the build alone.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../cluster/version.js';
import { REPO_ROOT } from '../support/cluster.js';

const run = promisify(execFile);
/** Not sources: the tests, what a build or a run leaves behind, and what is linked rather than copied. */
const NOT_COPIED = new Set(['test', 'dist', 'data', 'node_modules', 'proto']);

describe('npm run build: the lodestone bin', () => {
  let pkg: string;

  beforeAll(async () => {
    pkg = await mkdtemp(join(tmpdir(), 'lodestone-build-'));
    // Everything else at the top level, so a new source folder never needs listing here.
    const sources = (await readdir(REPO_ROOT)).filter((name) => !name.startsWith('.') && !NOT_COPIED.has(name));
    for (const s of sources) await cp(join(REPO_ROOT, s), join(pkg, s), { recursive: true });
    await symlink(join(REPO_ROOT, 'proto'), join(pkg, 'proto'));
    await symlink(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
    await run('npm', ['run', 'build'], { cwd: pkg, timeout: 240_000 });
  }, 300_000);

  afterAll(async () => {
    if (pkg) await rm(pkg, { recursive: true, force: true });
  });

  it("is package.json's bin, a node script, executable", async () => {
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(manifest.bin).toEqual({ lodestone: './dist/cli/main.js' });
    const main = join(pkg, 'dist', 'cli', 'main.js');
    expect((await readFile(main, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    expect((await stat(main)).mode & 0o111).toBe(0o111);
  });

  it('node dist/cli/main.js --version, and the file run by itself', async () => {
    const viaNode = await run(process.execPath, ['dist/cli/main.js', '--version'], { cwd: pkg });
    expect(viaNode.stdout).toBe(`lodestone ${version()}\n`);
    const direct = await run(join(pkg, 'dist', 'cli', 'main.js'), ['member', '--help'], { cwd: pkg });
    expect(direct.stdout).toMatch(/^Usage: lodestone member \[etcd flags…\]/);
    expect(direct.stdout).toContain('--auto-compaction-retention');
  });
});
