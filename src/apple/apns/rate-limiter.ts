/**
 * Token bucket: at most `perSecond` takes per second on average, bursts up to one second's worth.
 * Clock and sleep are injectable so the arithmetic is tested without waiting.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.last = clock();
  }

  async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
    }
  }
}
