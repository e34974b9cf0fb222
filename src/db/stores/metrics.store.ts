import type { Queryable } from '../database';

/** What the database says about the fleet and its queues at one moment (/metrics gauges). */
export interface FleetSnapshot {
  /** Pending commands (command_queue) by status and RequestType. */
  pendingCommands: { status: string; requestType: string; count: number }[];
  /** Devices waiting for a push, and when the longest-waiting one became due (null: none due). */
  outbox: { depth: number; oldestDueAt: Date | null };
  /** Devices by platform and lifecycle state. */
  devices: { platform: string; state: string; count: number }[];
}

/**
 * Aggregates for the metrics endpoint. Each is one aggregate over a table that is small
 * (command_queue, push_outbox), one row per device, or an index range of the history; the caller
 * caches the results for a few seconds.
 */
export interface MetricsStore {
  snapshot(q: Queryable, now: Date): Promise<FleetSnapshot>;
  /**
   * Commands that finished in [from, to), by final status: a range of ix_command_history_finished,
   * so its cost is the rows in the range, however long the history.
   */
  finishedBetween(q: Queryable, from: Date, to: Date): Promise<{ status: string; count: number }[]>;
}
