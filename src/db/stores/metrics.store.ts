import type { Queryable } from '../database';

/** What the database says about the fleet and its queues at one moment (/metrics gauges). */
export interface FleetSnapshot {
  /** Pending commands (command_queue) by status and RequestType. */
  pendingCommands: { status: string; requestType: string; count: number }[];
  /** Commands finished since `since` (command_history), by final status. */
  finishedCommands: { status: string; count: number }[];
  /** Devices waiting for a push, and when the longest-waiting one became due (null: none due). */
  outbox: { depth: number; oldestDueAt: Date | null };
  /** Devices by platform and lifecycle state. */
  devices: { platform: string; state: string; count: number }[];
}

/**
 * Aggregates for the metrics endpoint. Each query is one aggregate over a table that is small
 * (command_queue, push_outbox), bounded by an index range (history of the last day), or one row
 * per device; the caller caches the result for a few seconds.
 */
export interface MetricsStore {
  snapshot(q: Queryable, now: Date, finishedSince: Date): Promise<FleetSnapshot>;
}
