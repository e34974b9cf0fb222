import { readDate } from '../columns';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import type { StaffSession, StaffSessionStore } from './staff-session.store';

const COLS = 'id, staff_id, csrf_token, created_at, last_seen_at, expires_at, step_up_at, ip, revoked_at';

export class SqlStaffSessionStore implements StaffSessionStore {
  async create(w: Atomic, s: StaffSession): Promise<void> {
    await w.run(`INSERT INTO staff_sessions (${COLS}) VALUES (${placeholders(9)})`,
      [s.id, s.staffId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt, s.stepUpAt, s.ip, s.revokedAt]);
  }

  async get(q: Queryable, id: string): Promise<StaffSession | null> {
    const r = await q.one(`SELECT ${COLS} FROM staff_sessions WHERE id = ?`, [id]);
    if (!r) return null;
    return {
      id: String(r.id), staffId: String(r.staff_id), csrfToken: String(r.csrf_token), createdAt: readDate(r.created_at)!,
      lastSeenAt: readDate(r.last_seen_at)!, expiresAt: readDate(r.expires_at)!, stepUpAt: readDate(r.step_up_at),
      ip: (r.ip as string | null) ?? null, revokedAt: readDate(r.revoked_at),
    };
  }

  async touch(w: Atomic, id: string, at: Date): Promise<void> {
    await w.run('UPDATE staff_sessions SET last_seen_at = ? WHERE id = ?', [at, id]);
  }

  async markStepUp(w: Atomic, id: string, at: Date): Promise<void> {
    await w.run('UPDATE staff_sessions SET step_up_at = ?, last_seen_at = ? WHERE id = ?', [at, at, id]);
  }

  async revoke(w: Atomic, id: string, at: Date): Promise<void> {
    await w.run('UPDATE staff_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
  }

  async revokeAllForStaff(tx: Tx, staffId: string, at: Date): Promise<number> {
    return (await tx.run('UPDATE staff_sessions SET revoked_at = ? WHERE staff_id = ? AND revoked_at IS NULL', [at, staffId])).affected;
  }

  async prune(w: Atomic, before: Date): Promise<number> {
    return (await w.run('DELETE FROM staff_sessions WHERE expires_at < ?', [before])).affected;
  }
}
