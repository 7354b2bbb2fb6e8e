// Runs every scenario in test/raft/testdata through the interaction harness (interaction/env.ts,
// which describes the commands) and checks each command's output against the one written after it.
// REWRITE=1 records the actual outputs in the files instead of checking them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario, renderScenario, skipReason } from './interaction/datadriven.js';
import { InteractionEnv } from './interaction/env.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const rewrite = process.env['REWRITE'] === '1';

describe('raft scenarios', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    const path = join(dir, file);
    const chunks = parseScenario(readFileSync(path, 'utf8'), file);
    const skip = skipReason(chunks);
    // A skipped file holds the output the core should give, not the one it gives: never rewrite it.
    (skip !== null ? it.skip : it)(skip !== null ? `${file} (skipped: ${skip})` : file, () => {
      const env = new InteractionEnv();
      const outputs: string[] = [];
      for (const c of chunks) {
        if (c.kind !== 'directive') continue;
        const d = c.directive;
        const actual = env.run(d);
        outputs.push(actual);
        // Stop at the first difference: everything after it follows from a different state.
        if (!rewrite) expect(actual, `${file}:${d.line}: ${d.text} (REWRITE=1 records the actual output)`).toBe(d.expected);
      }
      if (rewrite) writeFileSync(path, renderScenario(chunks, outputs));
    });
  }
});
