import { atomically, type Atomic } from '../database';
import type { TaskRunStore } from './task-run.store';

const EPOCH = new Date(0);

export class SqlTaskRunStore implements TaskRunStore {
  claim(w: Atomic, name: string, now: Date, everyMs: number): Promise<boolean> {
    return atomically(w, async (tx) => {
      await tx.run(`INSERT INTO task_runs (name, next_run_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, [name, EPOCH]);
      // The conditional UPDATE is the claim: of two processes due at once, one moves the row first
      // and the other then finds it not due.
      const r = await tx.run(`UPDATE task_runs SET next_run_at = ?, last_run_at = ? WHERE name = ? AND next_run_at <= ?`,
        [new Date(now.getTime() + everyMs), now, name, now]);
      return r.affected === 1;
    });
  }
}
