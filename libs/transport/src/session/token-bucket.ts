/**
 * Token bucket for per-session limits. Plain fields and no timers: refilled lazily from the
 * caller's clock on each take, so a million idle sessions cost nothing.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes `cost` tokens if available. */
  take(now: number, cost = 1): boolean {
    this.#refill(now);
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      return true;
    }
    return false;
  }

  /** Milliseconds until `cost` tokens are available. */
  retryAfterMs(now: number, cost = 1): number {
    this.#refill(now);
    return this.#tokens >= cost ? 0 : Math.ceil(((cost - this.#tokens) / this.ratePerSec) * 1000);
  }

  #refill(now: number): void {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSec) / 1000);
      this.#last = now;
    }
  }
}
