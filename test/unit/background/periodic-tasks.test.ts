import { PeriodicTasks } from '../../../src/background/periodic-tasks';
import { silentLogger } from '../../../src/log/logger';

describe('PeriodicTasks', () => {
  // Fake timers: the schedule is checked by logic, not by how busy the machine is.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs at start and on every interval, never overlapping itself, and waits on stop', async () => {
    const tasks = new PeriodicTasks(silentLogger(), async () => true);
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    tasks.add('slow', 5, async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, 20));
      concurrent--;
    });
    tasks.start();
    await jest.advanceTimersByTimeAsync(70);
    // stop waits for the run in flight, whose own timer must still be advanced.
    const stopped = tasks.stop();
    await jest.advanceTimersByTimeAsync(20);
    await stopped;
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(maxConcurrent).toBe(1);
    expect(concurrent).toBe(0);
    const after = runs;
    await jest.advanceTimersByTimeAsync(30);
    expect(runs).toBe(after);
  });

  it('keeps going after a failing run', async () => {
    const tasks = new PeriodicTasks(silentLogger(), async () => true);
    let runs = 0;
    tasks.add('flaky', 5, async () => {
      runs++;
      throw new Error('db down');
    });
    tasks.start();
    await jest.advanceTimersByTimeAsync(40);
    await tasks.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
  });

  it('runs a task only when it claims the interval (one process per interval across the cluster)', async () => {
    const claimed: string[] = [];
    let allow = false;
    const tasks = new PeriodicTasks(silentLogger(), async (name, everyMs) => {
      claimed.push(`${name}/${everyMs}`);
      return allow;
    });
    let runs = 0;
    tasks.add('vacuum', 10, async () => {
      runs++;
    });
    tasks.start();
    await jest.advanceTimersByTimeAsync(30);
    expect(runs).toBe(0);
    expect(claimed.length).toBeGreaterThanOrEqual(2);
    expect(claimed[0]).toBe('vacuum/10');
    allow = true;
    await jest.advanceTimersByTimeAsync(10);
    await tasks.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
  });
});
