// consul-template's `wait = "min:max"`: after a change, wait `min` for more; each further change
// starts the `min` wait again, but the render never waits longer than `max` since the first change
// of the burst. A burst of changes becomes one render.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../service/duration.js';

export interface WaitWindow {
  readonly minMs: number;
  readonly maxMs: number;
}

/** "2s" (max four times min, as consul-template has it) or "2s:10s". */
export function parseWait(text: string): WaitWindow {
  const [min, max, ...rest] = text.split(':');
  if (rest.length > 0 || min === undefined || min === '') throw new InvalidArgumentError(`--wait is min[:max] (e.g. 2s:10s), not ${JSON.stringify(text)}`);
  const minMs = parseDuration(min);
  const maxMs = max === undefined ? minMs * 4 : parseDuration(max);
  if (maxMs < minMs) throw new InvalidArgumentError(`--wait: max (${max}) is shorter than min (${min})`);
  return { minMs, maxMs };
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Calls `fire` once a burst of poke()s has been quiet for min, or max after its first poke. */
export class Quiescence {
  private firstAt: number | undefined;
  private timer: unknown;

  constructor(
    private readonly window: WaitWindow,
    private readonly fire: () => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get pending(): boolean {
    return this.firstAt !== undefined;
  }

  poke(): void {
    const now = this.timers.now();
    this.firstAt ??= now;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const at = Math.min(now + this.window.minMs, this.firstAt + this.window.maxMs);
    this.timer = this.timers.setTimeout(() => {
      this.firstAt = undefined;
      this.timer = undefined;
      this.fire();
    }, Math.max(0, at - now));
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstAt = undefined;
  }
}
