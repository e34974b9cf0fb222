import type { AuditActor } from '../../audit/audit-log';
import type { Scope } from '../../db/stores';
import { AppError } from '../../errors';
import { can, type Permission, type Role } from '../rbac/roles';

export type { Scope } from '../../db/stores';

/** Who is calling the admin API: a member of staff in a session, or an API token. */
export interface Principal {
  kind: 'session' | 'token';
  /** Staff id or token id. */
  id: string;
  /** E-mail or token name. */
  label: string;
  role: Role;
  scope: Scope;
  scopeCode: string;
  /** Sessions only. */
  staffId?: string;
  sessionId?: string;
  csrfToken?: string;
  /** Last passkey assertion of the session; tokens never have one. */
  stepUpAt?: Date | null;
}

export function actorOf(p: Principal): AuditActor {
  return { type: p.kind === 'session' ? 'staff' : 'token', id: p.id, label: p.label, role: p.role, scopeCode: p.scopeCode, scopePath: p.scope.path };
}

/** The CLI is the operator at the server: the whole tree, no passkey needed. */
export const CLI_ACTOR: AuditActor = { type: 'cli', id: null, label: 'cli', role: null, scopeCode: null, scopePath: null };

export function requirePermission(p: Principal, permission: Permission): void {
  if (!can(p.role, permission)) throw new AppError('forbidden', `role ${p.role} may not ${permission}`);
}

/**
 * Wipe, clear passcode, bulk destructive actions and token creation: a passkey assertion of this
 * session at most `maxAgeMs` old. Tokens cannot step up, so they can never do these.
 */
export function requireFreshStepUp(p: Principal, maxAgeMs: number, now = new Date()): void {
  if (p.kind !== 'session') throw new AppError('step_up_required', 'this action needs a passkey confirmation in a staff session; API tokens cannot do it');
  if (!p.stepUpAt || now.getTime() - p.stepUpAt.getTime() > maxAgeMs) {
    throw new AppError('step_up_required', `confirm with your passkey first (POST /api/v1/auth/step-up/options); confirmations count for ${Math.round(maxAgeMs / 60_000)} min`);
  }
}
