/**
 * A retry budget: every request deposits `ratio` of a retry, every retry
 * withdraws one, so retries stay within about `ratio` of requests (plus a small
 * reserve for a cold gateway) and a failing node cannot make the gateway
 * multiply its own load.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    private readonly ratio: number,
    /** Retries allowed before any request has deposited; also the floor under low traffic. */
    reserve = 10,
    /** Most retries saved up, so a long quiet spell cannot fund a storm. */
    private readonly cap = 100,
  ) {
    this.tokens = reserve;
  }

  /** Called once per request. */
  deposit(): void {
    this.tokens = Math.min(this.cap, this.tokens + this.ratio);
  }

  /** True (and one retry spent) when a retry may be made. */
  tryWithdraw(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get available(): number {
    return this.tokens;
  }
}
