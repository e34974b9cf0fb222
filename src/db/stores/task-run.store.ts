import type { Atomic } from '../database';

/** Periodic tasks shared by every Slate process on one database (migration 0010, task_runs). */
export interface TaskRunStore {
  /**
   * Claims this interval's run of a task: true for exactly one caller across all processes once
   * `next_run_at` has passed, which moves it `everyMs` ahead.
   */
  claim(w: Atomic, name: string, now: Date, everyMs: number): Promise<boolean>;
}
