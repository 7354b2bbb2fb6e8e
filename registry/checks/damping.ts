// Flap damping, kept in the owner's memory: a check's state changes only after enough consecutive
// results say so (Consul's success_before_passing / failures_before_critical). Results that agree
// with the state cost nothing, so steady checks write nothing.
import type { HealthStatus } from '../layout.js';

export interface ProbeResult {
  readonly status: HealthStatus;
  readonly output: string;
}

export interface DampingLimits {
  readonly successBeforePassing: number;
  readonly failuresBeforeCritical: number;
}

export class Damping {
  private successes = 0;
  private failures = 0;

  /** Starts from the recorded state, as a new owner finds it. */
  constructor(
    private readonly limits: DampingLimits,
    private state: ProbeResult,
  ) {}

  get current(): ProbeResult {
    return this.state;
  }

  /**
   * Counts one result; returns the state to record when it should change (status or output), or
   * undefined. A warning or critical result counts as a failure: after enough of them in a row the
   * state becomes the latest result.
   */
  observe(result: ProbeResult): ProbeResult | undefined {
    if (result.status === 'passing') {
      this.successes++;
      this.failures = 0;
      if (this.state.status !== 'passing' && this.successes < this.limits.successBeforePassing) return undefined;
    } else {
      this.failures++;
      this.successes = 0;
      if (this.state.status !== result.status && this.failures < this.limits.failuresBeforeCritical) return undefined;
    }
    if (result.status === this.state.status && result.output === this.state.output) return undefined;
    return result;
  }

  /** The state was recorded (or found recorded by someone else). */
  settle(state: ProbeResult): void {
    this.state = state;
  }
}
