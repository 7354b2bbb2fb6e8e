// A run's results folder: history.jsonl (every operation), nemesis.jsonl (every fault, when),
// summary.json and summary.txt, and each member's last log lines.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cluster.js';
import { formatSummary, type RunResult } from './runner.js';

/** jepsen-results/<label><timestamp> at the root of the repository (gitignored). */
export function resultsDir(label = ''): string {
  return join(REPO_ROOT, 'jepsen-results', `${label}${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

export async function writeResults(dir: string, result: RunResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const jsonl = (rows: Iterable<unknown>): string => {
    const parts: string[] = [];
    for (const r of rows) parts.push(JSON.stringify(r));
    return parts.length > 0 ? `${parts.join('\n')}\n` : '';
  };
  await writeFile(join(dir, 'history.jsonl'), jsonl(result.workloads.flatMap((w) => [...w.history()].map((op) => ({ workload: w.name, ...op })))));
  await writeFile(join(dir, 'nemesis.jsonl'), jsonl(result.nemesisLog));
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  await writeFile(join(dir, 'summary.txt'), `${formatSummary(result.summary)}\n`);
  for (const [name, lines] of Object.entries(result.memberLogs)) await writeFile(join(dir, `${name}.log`), `${lines.join('\n')}\n`);
}
