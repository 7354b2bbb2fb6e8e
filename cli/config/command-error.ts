// How `lodestone config` fails: one "Error: …" line on stderr (the server's message as it gave it),
// for a schema refusal each violation on a line of its own, and exit status 1.
import { isConfigCenterError } from '../../client/config-center/config-error.js';
import { isClientError } from '../../client/errors.js';

/** A mistake in what the user typed, found before anything was sent. */
export class ConfigCommandError extends Error {
  override readonly name = 'ConfigCommandError';
}

/** A change staged in the draft whose publish then failed: the change stays in the draft, and the user is told so. */
export class StagedButNotPublished extends Error {
  override readonly name = 'StagedButNotPublished';
  constructor(
    readonly failure: unknown,
    readonly note: string,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

/** The lines to print for an error. */
export function errorLines(e: unknown): string[] {
  if (e instanceof StagedButNotPublished) return [...errorLines(e.failure), e.note];
  const message = e instanceof Error ? e.message : String(e);
  const code = isClientError(e) ? ` (${e.code})` : '';
  const lines = [`Error: ${message}${code}`];
  if (isConfigCenterError(e)) for (const v of e.errors) lines.push(`  ${v.path || '/'}: ${v.message}`);
  return lines;
}

/** Runs an action; its error, whatever it is, goes to stderr and the exit status becomes 1. */
export async function runConfigAction(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    for (const line of errorLines(e)) console.error(line);
    process.exitCode = 1;
  }
}
