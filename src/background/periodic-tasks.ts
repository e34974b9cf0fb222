import type { Logger } from '../log/logger';

interface Task {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
  timer?: NodeJS.Timeout;
  running?: Promise<unknown>;
}

/**
 * Housekeeping that runs inside the server process (expiring commands, pruning old check-ins).
 * Each task is idempotent and safe to run in several processes at once; a run never overlaps the
 * previous run of the same task, and `stop` waits for runs in flight.
 */
export class PeriodicTasks {
  private readonly tasks: Task[] = [];
  private started = false;

  constructor(private readonly logger: Logger) {}

  add(name: string, everyMs: number, run: () => Promise<unknown>): void {
    this.tasks.push({ name, everyMs, run });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.tasks) {
      const tick = () => {
        if (t.running) return;
        t.running = t.run()
          .then((result) => {
            if (typeof result === 'number' && result > 0) this.logger.info({ task: t.name, count: result }, 'housekeeping');
          })
          .catch((err) => this.logger.error({ task: t.name, err }, 'housekeeping failed'))
          .finally(() => (t.running = undefined));
      };
      t.timer = setInterval(tick, t.everyMs);
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
