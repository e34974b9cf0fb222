import { readDate } from '../columns';
import { atomically, placeholders, valuesList, type Atomic, type Db, type Queryable, type Tx } from '../database';
import { jsonParam, readJson } from '../json-column';
import type {
  AnswerAndNext, AnswerAndNextOptions, AnswerOutcome, BulkProgress, CommandAnswer, CommandQueueStore, CommandRecord, CommandStatus,
  NewCommand, NextCommand,
} from './command-queue.store';

const SHARED = 'command_uuid, device_id, request_type, priority, status, params, not_now_count, attempts, bulk_job_id, created_by, enqueued_at, pushed_at, sent_at, expires_at';
const INSERT_COLS = 'command_uuid, device_id, request_type, priority, status, params, body, body_sealed, bulk_job_id, created_by, enqueued_at, expires_at';
/** The answered command under the names toRecord reads, and the next command (n_*). */
const ANSWER_AND_NEXT = `SELECT outcome, ${['id', 'command_uuid', 'device_id', 'request_type', 'priority', 'status', 'params', 'not_now_count',
  'attempts', 'bulk_job_id', 'created_by', 'enqueued_at', 'pushed_at', 'sent_at', 'expires_at', 'finished_at', 'result_status',
  'error_chain', 'note'].map((c) => `c_${c} AS ${c}`).join(', ')}, n_id, n_command_uuid, n_request_type, n_body, n_body_sealed
  FROM slate_answer_and_next(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** Postgres: slate_next_command (migration 0010) returns one row, all NULL when nothing is pending. */
const NEXT_COMMAND = 'SELECT n_id, n_command_uuid, n_request_type, n_body, n_body_sealed FROM slate_next_command(?, ?, ?)';
/** Rows per multi-row INSERT: 12 columns x 400 stays under every driver's parameter limit. */
const CHUNK = 400;

export class SqlCommandQueueStore implements CommandQueueStore {
  async enqueue(tx: Tx, commands: readonly NewCommand[]): Promise<{ inserted: string[]; duplicates: string[] }> {
    if (commands.length === 0) return { inserted: [], duplicates: [] };
    const uuids = commands.map((c) => c.commandUuid);
    const finished = new Set<string>();
    for (let i = 0; i < uuids.length; i += CHUNK) {
      const part = uuids.slice(i, i + CHUNK);
      const rows = await tx.rows<{ command_uuid: string }>(
        `SELECT command_uuid FROM command_history WHERE command_uuid IN (${placeholders(part.length)})`, part);
      for (const r of rows) finished.add(r.command_uuid);
    }
    const fresh = commands.filter((c) => !finished.has(c.commandUuid));
    const inserted: string[] = [];
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const part = fresh.slice(i, i + CHUNK);
      const params = part.flatMap((c) => [
        c.commandUuid, c.deviceId, c.requestType, c.priority, 'queued', jsonParam(c.params),
        c.body, c.bodySealed, c.bulkJobId ?? null, c.createdBy ?? null, new Date(), c.expiresAt ?? null,
      ]);
      const r = await tx.run<{ command_uuid: string }>(
        `INSERT INTO command_queue (${INSERT_COLS}) VALUES ${valuesList(part.length, 12)} ON CONFLICT (command_uuid) DO NOTHING RETURNING command_uuid`,
        params);
      for (const row of r.rows) inserted.push(row.command_uuid);
    }
    const added = new Set(inserted);
    return { inserted, duplicates: uuids.filter((u) => !added.has(u)) };
  }

  async next(w: Atomic, deviceId: string, now: Date, opts: { skipNotNow: boolean }): Promise<NextCommand | null> {
    // Postgres: the function of migration 0010 (the same statement, planned to walk the index in order).
    if (w.dialect === 'postgres') {
      const r = await w.one<Record<string, unknown>>(NEXT_COMMAND, [deviceId, now, opts.skipNotNow]);
      return r ? nextFromRow(r) : null;
    }
    const statuses = opts.skipNotNow ? "('queued', 'sent')" : "('queued', 'sent', 'not_now')";
    // One statement picks and marks: atomic without an explicit transaction.
    const row = await w.one<Record<string, unknown>>(
      `UPDATE command_queue SET status = 'sent', sent_at = ?, attempts = attempts + 1
       WHERE id = (SELECT id FROM command_queue WHERE device_id = ? AND status IN ${statuses}
                   AND (expires_at IS NULL OR expires_at > ?) ORDER BY priority DESC, id ASC LIMIT 1)
       RETURNING id AS n_id, command_uuid AS n_command_uuid, request_type AS n_request_type, body AS n_body, body_sealed AS n_body_sealed`,
      [now, deviceId, now]);
    return row ? nextFromRow(row) : null;
  }

  recordAnswer(tx: Tx, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date): Promise<AnswerOutcome> {
    return this.record(tx, deviceId, commandUuid, answer, now, []);
  }

  private async record(tx: Tx, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, deferTypes: readonly string[]): Promise<AnswerOutcome> {
    const pending = await tx.one(`SELECT id, ${SHARED} FROM command_queue WHERE command_uuid = ? AND device_id = ?${tx.forUpdate}`, [commandUuid, deviceId]);
    if (pending) {
      if (answer.status !== 'not_now' && deferTypes.includes(String(pending.request_type))) return { kind: 'deferred', requestType: String(pending.request_type) };
      if (answer.status === 'not_now') {
        await tx.run(`UPDATE command_queue SET status = 'not_now', not_now_count = not_now_count + 1 WHERE id = ?`, [pending.id]);
        return { kind: 'not_now', command: { ...toRecord(pending), status: 'not_now', notNowCount: Number(pending.not_now_count) + 1 } };
      }
      await this.finish(tx, Number(pending.id), answer.status, now, answer.resultStatus, answer.errorChain, answer.raw, null);
      // The history row is the queue row plus the answer: no need to read it back on every poll.
      return { kind: 'finished', command: { ...toRecord(pending), status: answer.status, finishedAt: now, resultStatus: answer.resultStatus, errorChain: answer.errorChain } };
    }
    const done = await this.history(tx, commandUuid);
    if (!done || done.deviceId !== deviceId) return { kind: 'unknown' };
    if (done.resultStatus === null && answer.status !== 'not_now') {
      if (deferTypes.includes(done.requestType)) return { kind: 'deferred', requestType: done.requestType };
      await tx.run(`UPDATE command_history SET result_status = ?, error_chain = ?, result_raw = ? WHERE command_uuid = ?`,
        [answer.resultStatus, jsonParam(answer.errorChain), answer.raw, commandUuid]);
      return { kind: 'late', command: { ...done, resultStatus: answer.resultStatus, errorChain: answer.errorChain } };
    }
    return { kind: 'duplicate', command: done };
  }

  answerAndNext(w: Atomic, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, opts: AnswerAndNextOptions): Promise<AnswerAndNext> {
    if (w.dialect === 'postgres') return this.answerAndNextPg(w, deviceId, commandUuid, answer, now, opts);
    // SQLite runs statements in-process: the same steps as separate calls cost no round trips.
    return atomically(w, async (tx) => {
      const outcome = await this.record(tx, deviceId, commandUuid, answer, now, opts.deferTypes ?? []);
      if (outcome.kind === 'deferred') return { outcome, next: null };
      const stop = outcome.kind === 'finished' && answer.status === 'acknowledged' && (opts.noNextAfter ?? []).includes(outcome.command.requestType);
      return { outcome, next: stop ? null : await this.next(tx, deviceId, now, { skipNotNow: opts.skipNotNow }) };
    });
  }

  /** One statement, one round trip: the function of migration 0010 does recordAnswer + next. */
  private async answerAndNextPg(w: Atomic, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, opts: AnswerAndNextOptions): Promise<AnswerAndNext> {
    const row = (await w.one<Record<string, unknown>>(ANSWER_AND_NEXT, [
      deviceId, commandUuid, answer.status, answer.resultStatus, jsonParam(answer.errorChain),
      answer.raw, now, opts.skipNotNow, opts.noNextAfter ?? [], opts.deferTypes ?? [],
    ]))!;
    const kind = row.outcome as AnswerOutcome['kind'];
    if (kind === 'unknown') return { outcome: { kind }, next: nextFromRow(row) };
    if (kind === 'deferred') return { outcome: { kind, requestType: String(row.request_type) }, next: null };
    return { outcome: { kind, command: toRecord(row) }, next: nextFromRow(row) };
  }

  cancel(w: Atomic, commandUuid: string, now: Date, note: string): Promise<boolean> {
    return atomically(w, async (tx) => {
      const row = await tx.one<{ id: number }>(`SELECT id FROM command_queue WHERE command_uuid = ?${tx.forUpdate}`, [commandUuid]);
      if (!row) return false;
      await this.finish(tx, Number(row.id), 'cancelled', now, null, null, null, note);
      return true;
    });
  }

  async cancelAllForDevice(tx: Tx, deviceId: string, now: Date, note: string): Promise<number> {
    const rows = await tx.rows<{ id: number }>(`SELECT id FROM command_queue WHERE device_id = ?${tx.forUpdate}`, [deviceId]);
    for (const r of rows) await this.finish(tx, Number(r.id), 'cancelled', now, null, null, null, note);
    return rows.length;
  }

  expireDue(db: Db, now: Date, limit: number): Promise<number> {
    return db.transaction(async (tx) => {
      const rows = await tx.rows<{ id: number }>(
        `SELECT id FROM command_queue WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ${Math.floor(limit)}${tx.skipLocked}`,
        [now]);
      for (const r of rows) await this.finish(tx, Number(r.id), 'expired', now, null, null, null, 'expired before delivery');
      return rows.length;
    });
  }

  async pruneHistory(w: Atomic, before: Date, limit: number): Promise<number> {
    // Bounded batches: one huge DELETE would hold locks (and SQLite's file) for seconds.
    const r = await w.run(
      `DELETE FROM command_history WHERE id IN (SELECT id FROM command_history WHERE finished_at < ? ORDER BY finished_at LIMIT ${Math.max(1, Math.floor(limit))})`,
      [before]);
    return r.affected;
  }

  async reclaim(db: Db): Promise<void> {
    // SKIP_LOCKED: another Slate process vacuuming right now is as good; never queue behind it.
    if (db.dialect === 'postgres') await db.maintenance('VACUUM (SKIP_LOCKED) command_queue');
  }

  async markPushed(w: Atomic, deviceIds: readonly string[], at: Date): Promise<void> {
    for (let i = 0; i < deviceIds.length; i += CHUNK) {
      const part = deviceIds.slice(i, i + CHUNK);
      // pushed_at is a record for people; a command locked right now (being answered or handed
      // out) is skipped rather than waited for, so this multi-row update never joins a lock cycle
      // with a device's poll, which locks that device's rows one after another.
      await w.run(
        `UPDATE command_queue SET pushed_at = ? WHERE id IN (SELECT id FROM command_queue
           WHERE pushed_at IS NULL AND device_id IN (${placeholders(part.length)})${w.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''})`,
        [at, ...part]);
    }
  }

  async get(q: Queryable, commandUuid: string): Promise<CommandRecord | null> {
    const pending = await q.one(`SELECT id, ${SHARED} FROM command_queue WHERE command_uuid = ?`, [commandUuid]);
    if (pending) return toRecord(pending);
    return this.history(q, commandUuid);
  }

  async timeline(q: Queryable, deviceId: string, limit: number): Promise<CommandRecord[]> {
    const n = Math.max(1, Math.floor(limit));
    const pending = await q.rows(`SELECT id, ${SHARED} FROM command_queue WHERE device_id = ? ORDER BY id DESC LIMIT ${n}`, [deviceId]);
    const done = await q.rows(
      `SELECT id, ${SHARED}, finished_at, result_status, error_chain, note FROM command_history WHERE device_id = ? ORDER BY id DESC LIMIT ${n}`, [deviceId]);
    return [...pending, ...done].map(toRecord).sort((a, b) => b.id - a.id).slice(0, n);
  }

  async pendingCount(q: Queryable, deviceId: string): Promise<number> {
    const r = await q.one<{ n: number | string }>(`SELECT COUNT(*) AS n FROM command_queue WHERE device_id = ?`, [deviceId]);
    return Number(r?.n ?? 0);
  }

  async createBulkJob(tx: Tx, job: { id: string; requestType: string; target: string; total: number; createdBy: string | null; createdAt: Date }): Promise<void> {
    await tx.run(`INSERT INTO bulk_jobs (id, request_type, target, total, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [job.id, job.requestType, job.target, job.total, job.createdBy, job.createdAt]);
  }

  async bulkProgress(q: Queryable, id: string): Promise<BulkProgress | null> {
    const job = await q.one<Record<string, unknown>>(`SELECT * FROM bulk_jobs WHERE id = ?`, [id]);
    if (!job) return null;
    const counts = await q.rows<{ status: CommandStatus; n: number | string }>(
      `SELECT status, COUNT(*) AS n FROM command_queue WHERE bulk_job_id = ? GROUP BY status
       UNION ALL SELECT status, COUNT(*) AS n FROM command_history WHERE bulk_job_id = ? GROUP BY status`, [id, id]);
    const byStatus: BulkProgress['byStatus'] = {};
    for (const c of counts) byStatus[c.status] = (byStatus[c.status] ?? 0) + Number(c.n);
    return {
      id, requestType: String(job.request_type), target: String(job.target), total: Number(job.total),
      createdAt: readDate(job.created_at)!, byStatus,
    };
  }

  /** Moves a pending command into the history with its outcome, in the caller's transaction. */
  private async finish(tx: Tx, id: number, status: CommandStatus, now: Date, resultStatus: string | null, errorChain: unknown[] | null, raw: string | null, note: string | null): Promise<void> {
    await tx.run(
      `INSERT INTO command_history (id, ${SHARED}, finished_at, result_status, error_chain, result_raw, note)
       SELECT id, command_uuid, device_id, request_type, priority, ?, params, not_now_count, attempts, bulk_job_id, created_by,
              enqueued_at, pushed_at, sent_at, expires_at, ?, ?, ?, ?, ?
       FROM command_queue WHERE id = ?`,
      [status, now, resultStatus, jsonParam(errorChain), raw, note, id]);
    await tx.run(`DELETE FROM command_queue WHERE id = ?`, [id]);
  }

  private async history(q: Queryable, commandUuid: string): Promise<CommandRecord | null> {
    const row = await q.one(
      `SELECT id, ${SHARED}, finished_at, result_status, error_chain, note FROM command_history WHERE command_uuid = ?`, [commandUuid]);
    return row ? toRecord(row) : null;
  }
}

function toRecord(r: Record<string, unknown>): CommandRecord {
  return {
    id: Number(r.id),
    commandUuid: String(r.command_uuid),
    deviceId: String(r.device_id),
    requestType: String(r.request_type),
    priority: Number(r.priority),
    status: r.status as CommandStatus,
    params: readJson(r.params),
    notNowCount: Number(r.not_now_count),
    attempts: Number(r.attempts),
    bulkJobId: (r.bulk_job_id as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null,
    enqueuedAt: readDate(r.enqueued_at)!,
    pushedAt: readDate(r.pushed_at),
    sentAt: readDate(r.sent_at),
    expiresAt: readDate(r.expires_at),
    finishedAt: readDate(r.finished_at),
    resultStatus: (r.result_status as string | null | undefined) ?? null,
    errorChain: readJson(r.error_chain),
    note: (r.note as string | null | undefined) ?? null,
  };
}

/** The next command from n_* columns (both databases, both queries); null when n_id is NULL. */
function nextFromRow(r: Record<string, unknown>): NextCommand | null {
  if (r.n_id === null || r.n_id === undefined) return null;
  return {
    id: Number(r.n_id), commandUuid: String(r.n_command_uuid), requestType: String(r.n_request_type),
    body: String(r.n_body), bodySealed: r.n_body_sealed === true || r.n_body_sealed === 1,
  };
}
