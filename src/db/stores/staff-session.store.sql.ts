import { readDate } from '../columns';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import type { OrgUnit } from './org.store';
import type { StaffSession, StaffSessionStore } from './staff-session.store';
import type { StaffMember } from './staff.store';
import { UNIT_COLS, unitFromJoin } from './unit-join';

const COLS = 'id, staff_id, csrf_token, created_at, last_seen_at, expires_at, step_up_at, ip, revoked_at';

export class SqlStaffSessionStore implements StaffSessionStore {
  async create(w: Atomic, s: StaffSession): Promise<void> {
    await w.run(`INSERT INTO staff_sessions (${COLS}) VALUES (${placeholders(9)})`,
      [s.id, s.staffId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt, s.stepUpAt, s.ip, s.revokedAt]);
  }

  async get(q: Queryable, id: string): Promise<StaffSession | null> {
    const r = await q.one(`SELECT ${COLS} FROM staff_sessions WHERE id = ?`, [id]);
    return r ? toSession(r) : null;
  }

  async getWithStaff(q: Queryable, id: string): Promise<{ session: StaffSession; staff: StaffMember; unit: OrgUnit } | null> {
    const r = await q.one(`SELECT ${COLS.split(', ').map((c) => `s.${c}`).join(', ')}, m.email, m.display_name, m.role, m.scope_unit_id, m.webauthn_user_id,
        m.created_by AS m_created_by, m.created_at AS m_created_at, m.disabled_at, ${UNIT_COLS}
      FROM staff_sessions s JOIN staff m ON m.id = s.staff_id JOIN org_units u ON u.id = m.scope_unit_id WHERE s.id = ?`, [id]);
    if (!r) return null;
    const staff: StaffMember = {
      id: String(r.staff_id), email: String(r.email), displayName: String(r.display_name), role: String(r.role), scopeUnitId: String(r.scope_unit_id),
      webauthnUserId: String(r.webauthn_user_id), createdBy: (r.m_created_by as string | null) ?? null, createdAt: readDate(r.m_created_at)!, disabledAt: readDate(r.disabled_at),
    };
    return { session: toSession(r), staff, unit: unitFromJoin(r) };
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

function toSession(r: Record<string, unknown>): StaffSession {
  return {
    id: String(r.id), staffId: String(r.staff_id), csrfToken: String(r.csrf_token), createdAt: readDate(r.created_at)!,
    lastSeenAt: readDate(r.last_seen_at)!, expiresAt: readDate(r.expires_at)!, stepUpAt: readDate(r.step_up_at),
    ip: (r.ip as string | null) ?? null, revokedAt: readDate(r.revoked_at),
  };
}
