import { readDate } from '../columns';
import { placeholders, type Atomic, type Db, type Queryable, type Tx } from '../database';
import type { OutboxClaim, PushOutboxEntry, PushOutboxStore } from './push-outbox.store';

const COLS = 'device_id, generation, enqueued_at, attempts, next_attempt_at, last_error';
/**
 * Rows per statement. Claims are matched with a row-value IN list, which SQLite evaluates flat: an
 * OR chain of 500 pairs exceeded its expression depth limit (1000) and the batch never cleared.
 */
const CHUNK = 500;

export class SqlPushOutboxStore implements PushOutboxStore {
  async add(tx: Tx, deviceIds: readonly string[], now: Date): Promise<void> {
    // In device order: two wakes of overlapping devices (two staff sending to a school at once)
    // then take the row locks in the same order and one waits for the other instead of deadlocking.
    const unique = [...new Set(deviceIds)].sort();
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      // A row still in backoff (attempts > 0) keeps its schedule: APNs asked us to slow down.
      await tx.run(
        `INSERT INTO push_outbox (device_id, enqueued_at, next_attempt_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
         ON CONFLICT (device_id) DO UPDATE SET generation = push_outbox.generation + 1,
           next_attempt_at = CASE WHEN push_outbox.attempts = 0 THEN excluded.next_attempt_at ELSE push_outbox.next_attempt_at END`,
        part.flatMap((id) => [id, now, now]));
    }
  }

  claimDue(db: Db, now: Date, limit: number, leaseUntil: Date): Promise<PushOutboxEntry[]> {
    const n = Math.max(1, Math.floor(limit));
    return db.transaction(async (tx) => {
      const claimed = (await tx.rows(
        `SELECT ${COLS} FROM push_outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ${n}${tx.skipLocked}`, [now])).map(toEntry);
      for (let i = 0; i < claimed.length; i += CHUNK) {
        const part = claimed.slice(i, i + CHUNK).map((e) => e.deviceId);
        await tx.run(`UPDATE push_outbox SET next_attempt_at = ? WHERE device_id IN (${placeholders(part.length)})`, [leaseUntil, ...part]);
      }
      return claimed;
    });
  }

  async complete(w: Atomic, claims: readonly OutboxClaim[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < claims.length; i += CHUNK) {
      const part = claims.slice(i, i + CHUNK);
      // A row locked right now is being woken again by an enqueue (its generation is about to
      // change, so it must stay anyway): skip it rather than wait. Waiting here while that enqueue
      // waits for a row this DELETE already holds was a deadlock (seen in the command-poll bench).
      const r = await w.run(
        `DELETE FROM push_outbox WHERE device_id IN (SELECT device_id FROM push_outbox
           WHERE (device_id, generation) IN (VALUES ${part.map(() => claimPair(w)).join(', ')})${skipLocked(w)})`,
        part.flatMap((c) => [c.deviceId, c.generation]));
      removed += r.affected;
    }
    return removed;
  }

  async retry(w: Atomic, deviceId: string, nextAttemptAt: Date, error: string): Promise<void> {
    await w.run(
      `UPDATE push_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE device_id = ?`,
      [nextAttemptAt, error.slice(0, 200), deviceId]);
  }

  async release(w: Atomic, deviceIds: readonly string[], at: Date): Promise<void> {
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const part = deviceIds.slice(i, i + CHUNK);
      // Skips rows an enqueue holds (it makes them due itself), for the reason given in complete().
      await w.run(
        `UPDATE push_outbox SET next_attempt_at = ? WHERE device_id IN (SELECT device_id FROM push_outbox
           WHERE device_id IN (${placeholders(part.length)})${skipLocked(w)})`, [at, ...part]);
    }
  }

  async get(q: Queryable, deviceId: string): Promise<PushOutboxEntry | null> {
    const r = await q.one(`SELECT ${COLS} FROM push_outbox WHERE device_id = ?`, [deviceId]);
    return r ? toEntry(r) : null;
  }

  async count(q: Queryable): Promise<number> {
    const r = await q.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM push_outbox`);
    return Number(r?.n ?? 0);
  }
}

/** Postgres types a VALUES list on its own (text), so the pair is cast to the columns' types. */
function claimPair(w: Atomic): string {
  return w.dialect === 'postgres' ? '(?::uuid, ?::integer)' : '(?, ?)';
}

/** Row locks exist on Postgres only; a single statement there takes them as a transaction would. */
function skipLocked(w: Atomic): string {
  return w.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
}

function toEntry(r: Record<string, unknown>): PushOutboxEntry {
  return {
    deviceId: String(r.device_id), generation: Number(r.generation), enqueuedAt: readDate(r.enqueued_at)!,
    attempts: Number(r.attempts), nextAttemptAt: readDate(r.next_attempt_at)!, lastError: (r.last_error as string | null) ?? null,
  };
}
