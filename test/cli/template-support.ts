// What the `lodestone template` tests share: running the command as a user runs it (node + tsx on
// cli/main.ts), a release published the way the config center lays it out (releases/<n> and
// `current` in one transaction), and reading the applied records the command leaves.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../index.js';
import { Op } from '../../index.js';
import {
  appliedPrefix,
  currentKey,
  parseNamespace,
  releaseKey,
  type AppliedRecord,
  type ConfigItems,
  type CurrentRecord,
  type ReleaseRecord,
} from '../../configcenter/layout.js';
import { REPO_ROOT } from '../support/cluster.js';

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

/** Publishes `items` as release n+1 of the namespace (as the config center's publish writes it). */
export async function publish(client: Client, namespace: string, items: Readonly<Record<string, string>>): Promise<number> {
  const ns = parseNamespace(namespace);
  const now = await client.get(currentKey(ns));
  const current = now?.json<CurrentRecord>();
  const release = (current?.lastRelease ?? 0) + 1;
  const configItems: ConfigItems = Object.fromEntries(Object.entries(items).map(([k, value]) => [k, { value, format: 'text' as const }]));
  const record: ReleaseRecord = {
    release, kind: 'publish', message: `release ${release}`, author: 'test', time: new Date().toISOString(),
    items: configItems, base: current?.release ?? 0, schemaRevision: 0,
  };
  const next: CurrentRecord = { release, lastRelease: release };
  const r = await client
    .txn()
    .if(currentKey(ns), 'mod', '==', now?.modRevision ?? 0)
    .then(Op.put(releaseKey(ns, release), JSON.stringify(record)), Op.put(currentKey(ns), JSON.stringify(next)))
    .commit();
  if (!r.succeeded) throw new Error('another publish came first');
  return release;
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
