// A progress bar on stderr for long rounds (cli-progress): only on a terminal, never with --json,
// and only when the round is expected to take more than a couple of seconds.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Moves the bar to `done` of the expected total. */
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

export function progressBar(label: string, total: number, expectedSeconds: number, quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY || expectedSeconds <= 2) return NONE;
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label.padEnd(40)} {bar} {percentage}% | {value}/{total} | {duration}s`, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(Math.min(total, Math.round(done))),
    stop: () => bar.stop(),
  };
}
