import { FinishedWindow } from '../../../src/metrics/finished-window';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A command history in memory, read the way MetricsStore.finishedBetween reads the table. */
function history() {
  const rows: { status: string; at: number }[] = [];
  const ranges: [number, number][] = [];
  let failNext = false;
  const read = async (from: Date, to: Date) => {
    if (failNext) {
      failNext = false;
      throw new Error('connection lost');
    }
    ranges.push([from.getTime(), to.getTime()]);
    const counts = new Map<string, number>();
    for (const r of rows) if (r.at >= from.getTime() && r.at < to.getTime()) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    return [...counts].map(([status, count]) => ({ status, count }));
  };
  /** What counting the whole window at once gives (the slow query the window replaces). */
  const brute = (now: number) => {
    const counts = new Map<string, number>();
    for (const r of rows) if (r.at >= now - DAY && r.at < now) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    return counts;
  };
  return { rows, ranges, read, brute, failOnce: () => (failNext = true) };
}

describe('FinishedWindow', () => {
  it('fills the day an hour at a time, then reads only what finished since and what left the window', async () => {
    const h = history();
    for (let i = 0; i < 48; i++) h.rows.push({ status: i % 5 ? 'acknowledged' : 'error', at: T0 - i * HOUR - 1234 });
    h.rows.push({ status: 'acknowledged', at: T0 - 1 }); // answered a moment ago: counted at once
    const w = new FinishedWindow(h.read);
    expect(await w.update(new Date(T0))).toEqual(h.brute(T0));
    expect(h.ranges).toHaveLength(25); // 24 chunks up to a minute ago, then that minute
    expect(Math.max(...h.ranges.map(([a, b]) => b - a))).toBe(HOUR);
    expect(h.ranges.at(-1)).toEqual([T0 - MIN, T0]);

    h.ranges.length = 0;
    h.rows.push({ status: 'acknowledged', at: T0 + 2 * MIN }, { status: 'expired', at: T0 + 3 * MIN });
    const now = T0 + 5 * MIN;
    expect(await w.update(new Date(now))).toEqual(h.brute(now));
    // Short ranges: kept end → new kept end added, old start → new start subtracted, the last minute.
    expect(h.ranges).toEqual([[T0 - MIN, now - MIN], [T0 - DAY, now - DAY], [now - MIN, now]]);
  });

  it('agrees with counting the whole window at every step of a simulated day and a half', async () => {
    const h = history();
    const w = new FinishedWindow(h.read);
    let now = T0;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 400; step++) {
      // Answers committed up to 50 s after their finished_at (inside the last minute read afresh).
      for (let i = 0; i < 5; i++) h.rows.push({ status: ['acknowledged', 'error', 'cancelled'][Math.floor(random() * 3)]!, at: now - Math.floor(random() * 50_000) });
      now += Math.floor(random() * 10 * MIN);
      const got = await w.update(new Date(now));
      expect(got).toEqual(h.brute(now));
    }
  });

  it('counts afresh after a gap longer than the window, a clock that went back, and once a day', async () => {
    const h = history();
    h.rows.push({ status: 'acknowledged', at: T0 - HOUR });
    const w = new FinishedWindow(h.read);
    await w.update(new Date(T0));
    await w.update(new Date(T0 + 20 * MIN));
    // A row the deltas cannot see: finished_at far behind its commit (or inserted by hand).
    h.rows.push({ status: 'error', at: T0 + 10 * MIN });
    expect((await w.update(new Date(T0 + 21 * MIN))).get('error')).toBeUndefined();
    expect((await w.update(new Date(T0 + DAY))).get('error')).toBe(1); // the daily recount finds it
    h.ranges.length = 0;
    await w.update(new Date(T0 + 3 * DAY)); // a gap of two days
    expect(h.ranges).toHaveLength(25);
    h.ranges.length = 0;
    await w.update(new Date(T0 + 2 * DAY)); // the clock went back
    expect(h.ranges).toHaveLength(25);
  });

  it('after a failed read, starts over instead of keeping half an update', async () => {
    const h = history();
    h.rows.push({ status: 'acknowledged', at: T0 - HOUR });
    const w = new FinishedWindow(h.read);
    await w.update(new Date(T0));
    h.rows.push({ status: 'acknowledged', at: T0 + MIN });
    h.failOnce();
    await expect(w.update(new Date(T0 + 3 * MIN))).rejects.toThrow('connection lost');
    expect(await w.update(new Date(T0 + 4 * MIN))).toEqual(new Map([['acknowledged', 2]]));
  });
});
