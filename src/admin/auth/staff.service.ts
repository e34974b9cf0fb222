import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditActor, AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { OrgUnit, StaffInvite, StaffMember, StaffSessionStore, StaffStore } from '../../db/stores';
import { AppError } from '../../errors';
import { canGrant, requireRole, type Role } from '../rbac/roles';
import { actorOf, CLI_ACTOR, requirePermission, type Principal } from './principal';
import { ScopeResolver, scopeOf } from './scope-resolver';
import { pathInScope } from '../../db/stores/scope';

export type { StaffInvite, StaffMember } from '../../db/stores';

export interface InviteRequest {
  email: string;
  role: string;
  /** Code of the scope unit; default: the root (authority administrators). */
  scope?: string;
}

export interface IssuedInvite {
  id: string;
  /** The one-time link; shown once, only its hash is stored. */
  url: string;
  email: string;
  role: Role;
  scope: string;
  expiresAt: Date;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}$/;

/**
 * Staff and how they join: a one-time invite link (from the CLI or from staff allowed to invite)
 * that the invitee redeems by registering a passkey (passkey.service.ts).
 */
export class StaffService {
  constructor(
    private readonly deps: {
      db: Db; staff: StaffStore; sessions: StaffSessionStore; scopes: ScopeResolver; audit: AuditLog;
      publicUrl: string; inviteTtlMs: number; now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** `by` null: the operator's CLI, which may invite anyone anywhere. */
  async invite(by: Principal | null, req: InviteRequest, ip: string | null = null): Promise<IssuedInvite> {
    const { db, scopes } = this.deps;
    const role = requireRole(req.role);
    const email = req.email.trim().toLowerCase();
    if (!EMAIL.test(email)) throw new AppError('validation_failed', 'email: expected an e-mail address', { details: { field: 'email', problem: 'expected an e-mail address' } });
    // Without a scope an API caller means its own; the CLI means the root.
    const unit = await scopes.byCode(db, req.scope ?? by?.scopeCode);
    if (by) {
      requirePermission(by, 'staff.invite');
      // Out of the inviter's subtree reads as unknown, like every other object there.
      if (!pathInScope(by.scope, unit.path)) throw new AppError('org_unit_unknown', `no unit with code '${req.scope}'`);
      if (!canGrant(by.role, role)) throw new AppError('forbidden', `role ${by.role} may not invite a ${role}`);
    }
    return this.issue(by ? actorOf(by) : CLI_ACTOR, email, role, unit, ip);
  }

  /** `email` '' leaves it to the invitee (the first administrator, whom nobody has named yet). */
  private async issue(actor: AuditActor, email: string, role: Role, unit: OrgUnit, ip: string | null): Promise<IssuedInvite> {
    const { db, staff, audit } = this.deps;
    if (role === 'authority_admin' && unit.parentId !== null) throw new AppError('validation_failed', 'scope: an authority administrator is scoped to the root of the tree');
    if (email && (await staff.getByEmail(db, email))) throw new AppError('conflict', `${email} already has an account`);
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const invite: StaffInvite = {
      id: randomUUID(), email, role, scopeUnitId: unit.id, createdBy: actor.label, createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.inviteTtlMs), usedAt: null, staffId: null,
    };
    await db.transaction(async (tx) => {
      await staff.createInvite(tx, invite, sha256(token));
      await audit.append(tx, { actor, action: 'staff.invite', target: { type: 'invite', id: invite.id, path: unit.path }, detail: { email, role, scope: unit.code }, ip });
    });
    // The token rides in the fragment: browsers never send it to a server or a log.
    return { id: invite.id, url: `${this.deps.publicUrl}/console/invite#${token}`, email, role, scope: unit.code, expiresAt: invite.expiresAt };
  }

  /** On first start: a one-time link for the first administrator while there is none. */
  async firstAdminInvite(): Promise<IssuedInvite | null> {
    if (await this.deps.staff.countActive(this.deps.db, 'authority_admin')) return null;
    let root: OrgUnit;
    try {
      root = await this.deps.scopes.byCode(this.deps.db, undefined);
    } catch {
      return null; // no organisation yet: the invite comes with `slate admin invite` once there is one
    }
    return this.issue(CLI_ACTOR, '', 'authority_admin', root, null);
  }

  /** An invite that can still be redeemed, else invite_invalid (unknown, used and expired alike). */
  async redeemable(token: string): Promise<StaffInvite> {
    const invite = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await this.deps.staff.getInviteByHash(this.deps.db, sha256(token)) : null;
    if (!invite || invite.usedAt || invite.expiresAt <= this.now()) throw new AppError('invite_invalid', 'invite link is unknown, used or expired');
    return invite;
  }

  list(p: Principal): Promise<StaffMember[]> {
    requirePermission(p, 'staff.read');
    return this.deps.staff.list(this.deps.db, p.scope);
  }

  /** Disables a member of staff and ends their sessions at once. */
  async disable(p: Principal, id: string, ip: string | null): Promise<void> {
    requirePermission(p, 'staff.invite');
    const { db, staff, sessions, audit, scopes } = this.deps;
    await db.transaction(async (tx) => {
      const member = await staff.getInScope(tx, p.scope, id);
      if (!member) throw new AppError('not_found', `no staff member ${id}`);
      if (!canGrant(p.role, requireRole(member.role))) throw new AppError('forbidden', `role ${p.role} may not disable a ${member.role}`);
      if (member.id === p.staffId) throw new AppError('conflict', 'you cannot disable yourself');
      const at = this.now();
      await staff.disable(tx, id, at);
      await sessions.revokeAllForStaff(tx, id, at);
      const { scope } = await scopes.byId(tx, member.scopeUnitId);
      await audit.append(tx, { actor: actorOf(p), action: 'staff.disable', target: { type: 'staff', id, path: scope.path }, detail: { email: member.email }, ip });
    });
  }
}

export { scopeOf };
