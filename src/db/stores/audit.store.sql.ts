import { readDate } from '../columns';
import { valuesList, type Queryable, type Tx } from '../database';
import { jsonParam, readJson } from '../json-column';
import type { AuditEvent, AuditRecord, AuditStore } from './audit.store';

/** Rows per INSERT: 5 columns × 1,000 stays under both drivers' parameter limits. */
const CHUNK = 1000;

export class SqlAuditStore implements AuditStore {
  async append(tx: Tx, events: readonly AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += CHUNK) {
      const part = events.slice(i, i + CHUNK);
      await tx.run(`INSERT INTO audit_events (at, actor, action, target, details) VALUES ${valuesList(part.length, 5)}`,
        part.flatMap((e) => [e.at, e.actor.slice(0, 200), e.action.slice(0, 64), e.target.slice(0, 255), jsonParam(e.details ?? null)]));
    }
  }

  async list(q: Queryable, filter: { target?: string; action?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.target !== undefined) (where.push('target = ?'), params.push(filter.target));
    if (filter.action !== undefined) (where.push('action = ?'), params.push(filter.action));
    const limit = Math.max(1, Math.floor(filter.limit ?? 100));
    const rows = await q.rows<Record<string, unknown>>(
      `SELECT id, at, actor, action, target, details FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`, params);
    return rows.map((r) => ({
      id: Number(r.id), at: readDate(r.at)!, actor: String(r.actor), action: String(r.action), target: String(r.target),
      details: readJson<Record<string, unknown>>(r.details),
    }));
  }
}
