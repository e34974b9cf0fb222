import { readDate } from '../columns';
import type { Atomic, Queryable, Tx } from '../database';
import type { EnrollmentToken, EnrollmentTokenStore, NewEnrollmentToken } from './enrollment-token.store';

/** Columns of an enrolment link row, read by `toToken` (also from scoped-fleet.store.sql.ts). */
export const COLS = 'id, platform, school_id, grade_id, class_id, label, expires_at, revoked_at, uses, max_uses, last_used_at, created_by, created_at';

export class SqlEnrollmentTokenStore implements EnrollmentTokenStore {
  async create(w: Atomic, t: NewEnrollmentToken, tokenHash: string): Promise<void> {
    await w.run(
      `INSERT INTO enrollment_tokens (id, token_hash, platform, school_id, grade_id, class_id, label, expires_at, uses, max_uses, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      [t.id, tokenHash, t.platform, t.schoolId, t.gradeId, t.classId, t.label, t.expiresAt, t.maxUses, t.createdBy, t.createdAt]);
  }

  async get(q: Queryable, id: string): Promise<EnrollmentToken | null> {
    const r = await q.one(`SELECT ${COLS} FROM enrollment_tokens WHERE id = ?`, [id]);
    return r ? toToken(r) : null;
  }

  async findByHash(q: Queryable, tokenHash: string): Promise<EnrollmentToken | null> {
    const r = await q.one(`SELECT ${COLS} FROM enrollment_tokens WHERE token_hash = ?`, [tokenHash]);
    return r ? toToken(r) : null;
  }

  async consume(w: Atomic, id: string, now: Date): Promise<boolean> {
    // The validity check and the count are one statement, so concurrent uses cannot overshoot max_uses.
    const r = await w.run(
      `UPDATE enrollment_tokens SET uses = uses + 1, last_used_at = ?
       WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses IS NULL OR uses < max_uses)`,
      [now, id, now]);
    return r.affected === 1;
  }

  async revoke(tx: Tx, id: string, now: Date): Promise<boolean> {
    const r = await tx.run(`UPDATE enrollment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, [now, id]);
    return r.affected === 1;
  }

  async list(q: Queryable, filter: { schoolIds?: readonly string[]; includeInactive?: boolean; now?: Date } = {}): Promise<EnrollmentToken[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.schoolIds) {
      if (filter.schoolIds.length === 0) return [];
      where.push(`school_id IN (${filter.schoolIds.map(() => '?').join(', ')})`);
      params.push(...filter.schoolIds);
    }
    if (!filter.includeInactive) {
      where.push('revoked_at IS NULL AND expires_at > ?');
      params.push(filter.now ?? new Date());
    }
    const rows = await q.rows(
      `SELECT ${COLS} FROM enrollment_tokens${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC`, params);
    return rows.map(toToken);
  }
}

export function toToken(r: Record<string, unknown>): EnrollmentToken {
  return {
    id: String(r.id),
    platform: r.platform as EnrollmentToken['platform'],
    schoolId: String(r.school_id),
    gradeId: String(r.grade_id),
    classId: (r.class_id as string | null) ?? null,
    label: (r.label as string | null) ?? null,
    expiresAt: readDate(r.expires_at)!,
    revokedAt: readDate(r.revoked_at),
    uses: Number(r.uses),
    maxUses: r.max_uses === null || r.max_uses === undefined ? null : Number(r.max_uses),
    lastUsedAt: readDate(r.last_used_at),
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: readDate(r.created_at)!,
  };
}
