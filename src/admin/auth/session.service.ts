import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { StaffMember, StaffSessionStore, StaffStore } from '../../db/stores';
import { isRole } from '../rbac/roles';
import { actorOf, type Principal } from './principal';
import { scopeOf, type ScopeResolver } from './scope-resolver';
import { sha256 } from './staff.service';

export interface SessionSettings {
  idleMs: number;
  absoluteMs: number;
}

export interface StartedSession {
  /** The cookie value; only its hash is stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

/** Writing last_seen_at on every request would turn every read into a write; a minute is precise enough for a 30-minute idle limit. */
const TOUCH_EVERY_MS = 60_000;

/** Staff sessions behind the httpOnly cookie: idle and absolute timeouts, sign-out, step-up time. */
export class SessionService {
  constructor(
    private readonly deps: { db: Db; sessions: StaffSessionStore; staff: StaffStore; scopes: ScopeResolver; audit: AuditLog; settings: SessionSettings; now?: () => Date },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** After a passkey sign-in: that assertion also counts as the first step-up. */
  async start(member: StaffMember, ip: string | null): Promise<StartedSession> {
    const { db, sessions, audit } = this.deps;
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.deps.settings.absoluteMs);
    const id = sha256(token);
    const principal = await this.principal(member, { id, csrfToken, stepUpAt: now });
    await db.transaction(async (tx) => {
      await sessions.create(tx, { id, staffId: member.id, csrfToken, createdAt: now, lastSeenAt: now, expiresAt, stepUpAt: now, ip, revokedAt: null });
      await audit.append(tx, { actor: actorOf(principal), action: 'auth.sign_in', target: { type: 'staff', id: member.id, path: principal.scope.path }, ip });
    });
    return { token, csrfToken, expiresAt, principal };
  }

  /** The principal behind a session cookie, or null when it is unknown, ended, idle too long or its member disabled. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const { db, sessions, settings } = this.deps;
    const found = await sessions.getWithStaff(db, sha256(token));
    const now = this.now();
    if (!found) return null;
    const { session: s, staff: member, unit } = found;
    if (s.revokedAt || s.expiresAt <= now || s.lastSeenAt.getTime() + settings.idleMs <= now.getTime()) return null;
    if (member.disabledAt || !isRole(member.role)) return null;
    if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await sessions.touch(db, s.id, now);
    return {
      kind: 'session', id: member.id, label: member.email, role: member.role, scope: scopeOf(unit), scopeCode: unit.code, staffId: member.id,
      sessionId: s.id, csrfToken: s.csrfToken, stepUpAt: s.stepUpAt,
    };
  }

  async signOut(p: Principal, ip: string | null): Promise<void> {
    if (!p.sessionId) return;
    await this.deps.db.transaction(async (tx) => {
      await this.deps.sessions.revoke(tx, p.sessionId!, this.now());
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'auth.sign_out', target: { type: 'staff', id: p.id, path: p.scope.path }, ip });
    });
  }

  private async principal(m: StaffMember, s: { id: string; csrfToken: string; stepUpAt: Date | null }): Promise<Principal> {
    const { scope, code } = await this.deps.scopes.byId(this.deps.db, m.scopeUnitId);
    if (!isRole(m.role)) throw new Error(`unknown role ${m.role}`);
    return {
      kind: 'session', id: m.id, label: m.email, role: m.role, scope, scopeCode: code, staffId: m.id,
      sessionId: s.id, csrfToken: s.csrfToken, stepUpAt: s.stepUpAt,
    };
  }
}
