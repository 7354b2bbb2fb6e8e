// What the `lodestone template` tests share: running the command as a user runs it (node + tsx on
// cli/main.ts), a release published the way the members publish it, and reading the applied
// records the command leaves.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../index.js';
import { appliedPrefix, parseNamespace, type AppliedRecord } from '../../configcenter/layout.js';
import { REPO_ROOT } from '../support/cluster.js';
import { publishForTest, type TestItems } from '../support/config-publish.js';

const MAIN = join(REPO_ROOT, 'cli', 'main.ts');

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return env;
}

export interface TemplateProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once it ends. */
  readonly exited: Promise<number | null>;
}

export function startTemplate(args: readonly string[]): TemplateProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'template', ...args], { cwd: REPO_ROOT, env: cleanEnv() });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

/** Publishes `items` as the namespace's next release, as the members' publish writes it. */
export function publish(client: Client, namespace: string, items: TestItems): Promise<number> {
  return publishForTest(client, namespace, items);
}

export async function appliedRecords(client: Client, namespace: string): Promise<AppliedRecord[]> {
  const { kvs } = await client.range({ prefix: appliedPrefix(parseNamespace(namespace)) });
  return kvs.map((kv) => kv.json<AppliedRecord>());
}

export async function readOr(path: string, otherwise = ''): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return otherwise;
  }
}
