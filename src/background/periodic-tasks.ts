import type { Logger } from '../log/logger';

interface Task {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
  timer?: NodeJS.Timeout;
  running?: Promise<unknown>;
}

/** Decides whether this process runs a task's current interval (TaskRunStore.claim across processes). */
export type TaskClaim = (name: string, everyMs: number) => Promise<boolean>;

/**
 * Housekeeping that runs inside the server processes (expiring commands, pruning, vacuum, identity
 * renewal). Each task runs once per interval across all processes on one database: a process looks
 * twice per interval and runs the task only if it claims the interval (`claim`). A run never
 * overlaps the previous run in the same process, and `stop` waits for runs in flight.
 */
export class PeriodicTasks {
  private readonly tasks: Task[] = [];
  private started = false;

  constructor(private readonly logger: Logger, private readonly claim: TaskClaim) {}

  add(name: string, everyMs: number, run: () => Promise<unknown>): void {
    this.tasks.push({ name, everyMs, run });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.tasks) {
      const tick = () => {
        if (t.running || !this.started) return;
        t.running = this.claim(t.name, t.everyMs)
          .then(async (mine) => {
            if (!mine) return;
            const result = await t.run();
            if (typeof result === 'number' && result > 0) this.logger.info({ task: t.name, count: result }, 'housekeeping');
          })
          .catch((err) => this.logger.error({ task: t.name, err }, 'housekeeping failed'))
          .finally(() => (t.running = undefined));
      };
      t.timer = setInterval(tick, Math.max(1, Math.floor(t.everyMs / 2)));
      t.timer.unref();
      setImmediate(tick);
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const t of this.tasks) if (t.timer) clearInterval(t.timer);
    await Promise.all(this.tasks.map((t) => t.running));
  }
}
