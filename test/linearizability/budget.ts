/** How much work a check may do before it gives up with an `unknown` verdict. */
export interface Budget {
  /**
   * Search steps over all partitions. A step tries one candidate, or looks for a legal observation,
   * or undoes the latest choice.
   */
  readonly maxSteps?: number;
  /** Wall-clock milliseconds. */
  readonly timeLimitMs?: number;
}

/** Reading the clock costs more than a search step, so the meter reads it once per this many steps. */
const STEPS_PER_CLOCK_READ = 1024;

/** Counts the search steps of one check against its budget; shared by all partitions. */
export class BudgetMeter {
  private spent = 0;
  private readonly deadline: number;
  private exhausted = false;

  constructor(
    private readonly budget: Budget,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.deadline = budget.timeLimitMs === undefined ? Infinity : now() + budget.timeLimitMs;
  }

  get steps(): number {
    return this.spent;
  }

  /** Spends one step; false once the budget is exhausted. */
  spend(): boolean {
    if (this.exhausted) return false;
    this.spent++;
    if (this.spent > (this.budget.maxSteps ?? Infinity)) this.exhausted = true;
    else if (this.spent % STEPS_PER_CLOCK_READ === 0 && this.now() >= this.deadline) this.exhausted = true;
    return !this.exhausted;
  }
}
