import { readDate } from '../columns';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import { pathPrefix, type Scope } from './scope';
import type { StaffInvite, StaffMember, StaffStore } from './staff.store';

const STAFF = 'id, email, display_name, role, scope_unit_id, webauthn_user_id, created_by, created_at, disabled_at';
const INVITE = 'id, email, role, scope_unit_id, created_by, created_at, expires_at, used_at, staff_id';
const inScope = (scope: Scope) => scope.root
  ? { sql: '', params: [] as unknown[] }
  : { sql: ' AND scope_unit_id IN (SELECT id FROM org_units WHERE path LIKE ?)', params: [pathPrefix(scope)] };

export class SqlStaffStore implements StaffStore {
  async create(tx: Tx, s: StaffMember): Promise<void> {
    await tx.run(`INSERT INTO staff (${STAFF}) VALUES (${placeholders(9)})`,
      [s.id, s.email, s.displayName, s.role, s.scopeUnitId, s.webauthnUserId, s.createdBy, s.createdAt, s.disabledAt]);
  }

  async get(q: Queryable, id: string): Promise<StaffMember | null> {
    return one(await q.one(`SELECT ${STAFF} FROM staff WHERE id = ?`, [id]));
  }

  async getByEmail(q: Queryable, email: string): Promise<StaffMember | null> {
    return one(await q.one(`SELECT ${STAFF} FROM staff WHERE email = ?`, [email]));
  }

  async getByWebauthnUserId(q: Queryable, userId: string): Promise<StaffMember | null> {
    return one(await q.one(`SELECT ${STAFF} FROM staff WHERE webauthn_user_id = ?`, [userId]));
  }

  async getInScope(q: Queryable, scope: Scope, id: string): Promise<StaffMember | null> {
    const s = inScope(scope);
    return one(await q.one(`SELECT ${STAFF} FROM staff WHERE id = ?${s.sql}`, [id, ...s.params]));
  }

  async list(q: Queryable, scope: Scope): Promise<StaffMember[]> {
    const s = inScope(scope);
    return (await q.rows(`SELECT ${STAFF} FROM staff WHERE 1 = 1${s.sql} ORDER BY email`, s.params)).map(toStaff);
  }

  async disable(tx: Tx, id: string, at: Date): Promise<boolean> {
    return (await tx.run('UPDATE staff SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL', [at, id])).affected > 0;
  }

  async countActive(q: Queryable, role: string): Promise<number> {
    const r = await q.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM staff WHERE role = ? AND disabled_at IS NULL', [role]);
    return Number(r?.n ?? 0);
  }

  async createInvite(w: Atomic, i: StaffInvite, tokenHash: string): Promise<void> {
    await w.run(`INSERT INTO staff_invites (${INVITE}, token_hash) VALUES (${placeholders(10)})`,
      [i.id, i.email, i.role, i.scopeUnitId, i.createdBy, i.createdAt, i.expiresAt, i.usedAt, i.staffId, tokenHash]);
  }

  async getInviteByHash(q: Queryable, tokenHash: string): Promise<StaffInvite | null> {
    const r = await q.one(`SELECT ${INVITE} FROM staff_invites WHERE token_hash = ?`, [tokenHash]);
    return r ? toInvite(r) : null;
  }

  async consumeInvite(tx: Tx, id: string, staffId: string, now: Date): Promise<boolean> {
    const r = await tx.run('UPDATE staff_invites SET used_at = ?, staff_id = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?', [now, staffId, id, now]);
    return r.affected > 0;
  }
}

function one(r: Record<string, unknown> | undefined): StaffMember | null {
  return r ? toStaff(r) : null;
}

function toStaff(r: Record<string, unknown>): StaffMember {
  return {
    id: String(r.id), email: String(r.email), displayName: String(r.display_name), role: String(r.role), scopeUnitId: String(r.scope_unit_id),
    webauthnUserId: String(r.webauthn_user_id), createdBy: (r.created_by as string | null) ?? null, createdAt: readDate(r.created_at)!,
    disabledAt: readDate(r.disabled_at),
  };
}

function toInvite(r: Record<string, unknown>): StaffInvite {
  return {
    id: String(r.id), email: String(r.email), role: String(r.role), scopeUnitId: String(r.scope_unit_id), createdBy: (r.created_by as string | null) ?? null,
    createdAt: readDate(r.created_at)!, expiresAt: readDate(r.expires_at)!, usedAt: readDate(r.used_at), staffId: (r.staff_id as string | null) ?? null,
  };
}
