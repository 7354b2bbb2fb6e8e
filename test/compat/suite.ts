// How a compatibility suite declares its tests: once per target, with the target's known
// differences from etcd marked as expected failures (for Lodestone only: etcd is the reference),
// skipped when the target cannot run here, and with a transcript for the comparison afterwards.
import { describe, it } from 'vitest';
import { knownDifference } from './known-differences.js';
import type { CompatSetup, CompatTarget } from './targets.js';
import { describeComparison, type Transcripts } from './transcript.js';

export interface SuiteContext {
  readonly target: CompatTarget;
  /** The run's key prefix ("/compat/<suite>-<id>/"). */
  readonly root: string;
  readonly transcripts: Transcripts;
}

export interface TestTools {
  readonly target: CompatTarget;
  /** This test's own key prefix: `${root}${dir}/`. */
  readonly dir: string;
  /** Adds one step to the test's transcript (for the comparison with the other target). */
  record(label: string, text: string): void;
}

export interface CompatTestOptions {
  /** The test's folder under the run's root (a slug of its name by default). */
  readonly dir?: string;
  /** Why it cannot run against an external (shared) etcd, if it cannot. */
  readonly notExternal?: string;
  readonly timeoutMs?: number;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

export function compatTest(
  ctx: SuiteContext,
  name: string,
  body: (t: TestTools) => Promise<void>,
  options: CompatTestOptions = {},
): void {
  const { target, transcripts } = ctx;
  transcripts.declare(name);
  const known = target.kind === 'lodestone' ? knownDifference(transcripts.suite, name) : undefined;
  const skip = !target.available || (target.external && options.notExternal !== undefined);
  // Sequential within the target, whose tests build on one another's revisions; the targets
  // themselves run side by side (see runAgainstTargets).
  const declare = skip ? it.sequential.skip : known ? it.sequential.fails : it.sequential;
  const tools: TestTools = {
    target,
    dir: `${ctx.root}${options.dir ?? slug(name)}/`,
    record: (label, text) => transcripts.record(target, name, label, text),
  };
  declare(name, () => body(tools), options.timeoutMs ?? 30_000);
}

/**
 * Declares `suite` once per target, each target's tests in order, the targets side by side (they
 * are separate clusters), then the comparison of their transcripts.
 */
export function runAgainstTargets(
  title: string,
  setup: CompatSetup,
  transcripts: Transcripts,
  suite: (ctx: SuiteContext) => void,
): void {
  for (const target of setup.targets) {
    describe.concurrent(`${title} against ${target.label}`, () => {
      suite({ target, root: setup.root, transcripts });
    });
  }
  describeComparison(setup, transcripts);
}
