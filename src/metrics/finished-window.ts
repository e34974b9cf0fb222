const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface FinishedWindowOptions {
  /** The window's length (24 h). */
  windowMs?: number;
  /**
   * The newest part of the window, read afresh on every update instead of kept: an answer may
   * commit a little after its finished_at (a slow transaction, another process's clock running
   * behind), so the kept counts stop this long before now.
   */
  lagMs?: number;
  /** No query spans more than this: a first fill reads the day hour by hour. */
  chunkMs?: number;
  /** Counted afresh this often, so nothing the deltas missed lingers longer than that. */
  refillMs?: number;
}

/** Reads the commands that finished in [from, to), by status (MetricsStore.finishedBetween). */
export type FinishedBetween = (from: Date, to: Date) => Promise<{ status: string; count: number }[]>;

/**
 * Commands finished in the last 24 hours, by status, as a sliding window: each update reads only
 * the commands that finished since the last one (the last minute of them afresh each time) and
 * subtracts those that left the window, all index ranges of the history. Counting the whole day on every scrape read every row of it:
 * 0.5-0.9 s per scrape with 1,000,000 commands a day on either database, and on SQLite that
 * blocked the event loop (docs/benchmarks.md, Metrics). The first fill and the daily recount read
 * the day an hour at a time, so each query stays short.
 *
 * Not safe for concurrent updates: FleetGauges calls it from its single-flight reading.
 */
export class FinishedWindow {
  private readonly windowMs: number;
  private readonly lagMs: number;
  private readonly chunkMs: number;
  private readonly refillMs: number;
  private counts = new Map<string, number>();
  /** The part of the window kept: [from, to); undefined until filled (and after a failed update). */
  private span: { from: number; to: number; filledAt: number } | undefined;

  constructor(private readonly read: FinishedBetween, opts: FinishedWindowOptions = {}) {
    this.windowMs = opts.windowMs ?? DAY_MS;
    this.lagMs = opts.lagMs ?? 60_000;
    this.chunkMs = opts.chunkMs ?? HOUR_MS;
    this.refillMs = opts.refillMs ?? DAY_MS;
  }

  /** Moves the window to end at `now`; returns the counts by status in [now - 24 h, now). */
  async update(now: Date): Promise<ReadonlyMap<string, number>> {
    const to = now.getTime() - this.lagMs;
    const from = now.getTime() - this.windowMs;
    const s = this.span;
    try {
      // A gap longer than the window, a clock that went back, or the daily recount: count afresh.
      if (!s || to < s.to || to - s.to >= this.windowMs || now.getTime() - s.filledAt >= this.refillMs) {
        this.span = undefined;
        this.counts = new Map();
        await this.add(from, to, 1);
        this.span = { from, to, filledAt: now.getTime() };
      } else {
        await this.add(s.to, to, 1);
        await this.add(s.from, from, -1);
        this.span = { from, to, filledAt: s.filledAt };
      }
    } catch (err) {
      // Half an update would leave the counts wrong for a day: start over next time.
      this.span = undefined;
      throw err;
    }
    const counts = new Map(this.counts);
    for (const r of await this.read(new Date(to), now)) counts.set(r.status, (counts.get(r.status) ?? 0) + r.count);
    return new Map([...counts].map(([status, n]) => [status, Math.max(0, n)]));
  }

  private async add(from: number, to: number, sign: 1 | -1): Promise<void> {
    for (let a = from; a < to; a += this.chunkMs) {
      for (const r of await this.read(new Date(a), new Date(Math.min(a + this.chunkMs, to)))) {
        this.counts.set(r.status, (this.counts.get(r.status) ?? 0) + sign * r.count);
      }
    }
  }
}
