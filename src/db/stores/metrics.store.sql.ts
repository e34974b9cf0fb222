import { readDate } from '../columns';
import type { Queryable } from '../database';
import type { FleetSnapshot, MetricsStore } from './metrics.store';

type Count = number | string;

export class SqlMetricsStore implements MetricsStore {
  // Sequential, outside any transaction: three short reads rather than three pool connections at
  // once, and a consistent cut across tables is not worth holding a snapshot open.
  async snapshot(q: Queryable, now: Date): Promise<FleetSnapshot> {
    const pending = await q.rows<{ status: string; request_type: string; n: Count }>(
      `SELECT status, request_type, COUNT(*) AS n FROM command_queue GROUP BY status, request_type`);
    const outbox = await q.one<{ n: Count; oldest: unknown }>(
      `SELECT COUNT(*) AS n, MIN(CASE WHEN next_attempt_at <= ? THEN next_attempt_at END) AS oldest FROM push_outbox`, [now]);
    const devices = await q.rows<{ platform: string; state: string; n: Count }>(
      `SELECT platform, state, COUNT(*) AS n FROM devices GROUP BY platform, state`);
    return {
      pendingCommands: pending.map((r) => ({ status: r.status, requestType: r.request_type, count: Number(r.n) })),
      outbox: { depth: Number(outbox?.n ?? 0), oldestDueAt: readDate(outbox?.oldest) },
      devices: devices.map((r) => ({ platform: r.platform, state: r.state, count: Number(r.n) })),
    };
  }

  async finishedBetween(q: Queryable, from: Date, to: Date): Promise<{ status: string; count: number }[]> {
    const rows = await q.rows<{ status: string; n: Count }>(
      `SELECT status, COUNT(*) AS n FROM command_history WHERE finished_at >= ? AND finished_at < ? GROUP BY status`, [from, to]);
    return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
  }
}
