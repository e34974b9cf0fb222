import type { Atomic, Db, Queryable, Tx } from '../database';

/** A device waiting for a push. Many wakes before the send coalesce into one row. */
export interface PushOutboxEntry {
  deviceId: string;
  /** Bumped by every wake: a send removes the row only when no wake came in meanwhile. */
  generation: number;
  enqueuedAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** Identifies one claimed version of a row. */
export type OutboxClaim = Pick<PushOutboxEntry, 'deviceId' | 'generation'>;

export interface PushOutboxStore {
  /** Adds or coalesces rows; called inside the enqueue transaction. A row in backoff keeps its backoff. */
  add(tx: Tx, deviceIds: readonly string[], now: Date): Promise<void>;
  /**
   * Claims up to `limit` due rows by moving their next attempt to `leaseUntil`, so another
   * dispatcher (or process) leaves them alone; a crash mid-send frees them when the lease ends.
   */
  claimDue(db: Db, now: Date, limit: number, leaseUntil: Date): Promise<PushOutboxEntry[]>;
  /** Removes the claimed rows unless a newer wake arrived; returns how many were removed. */
  complete(w: Atomic, claims: readonly OutboxClaim[]): Promise<number>;
  /** Counts a failed attempt and schedules the next one. */
  retry(w: Atomic, deviceId: string, nextAttemptAt: Date, error: string): Promise<void>;
  /** Makes claimed rows due again at `at` without counting an attempt (nothing was tried). */
  release(w: Atomic, deviceIds: readonly string[], at: Date): Promise<void>;
  get(q: Queryable, deviceId: string): Promise<PushOutboxEntry | null>;
  count(q: Queryable): Promise<number>;
}
