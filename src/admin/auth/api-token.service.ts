import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { ApiToken, ApiTokenStore } from '../../db/stores';
import { pathInScope } from '../../db/stores/scope';
import { AppError } from '../../errors';
import { canGrant, isRole, requireRole } from '../rbac/roles';
import { actorOf, CLI_ACTOR, requireFreshStepUp, requirePermission, type Principal } from './principal';
import { scopeOf, type ScopeResolver } from './scope-resolver';
import { sha256 } from './staff.service';

export type { ApiToken } from '../../db/stores';

export interface CreateTokenRequest {
  name: string;
  role: string;
  scope?: string;
  ttlMs: number;
}

export interface IssuedToken {
  /** Shown once. */
  token: string;
  record: ApiToken;
  scopeCode: string;
}

const TOKEN = /^slate_[A-Za-z0-9_-]{43}$/;
const TOUCH_EVERY_MS = 60_000;

/** Scoped API tokens for automation: hashed at rest, shown once, expiring, revocable, last use recorded. */
export class ApiTokenService {
  constructor(
    private readonly deps: { db: Db; tokens: ApiTokenStore; scopes: ScopeResolver; audit: AuditLog; maxTtlMs: number; stepUpMaxAgeMs: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** `by` null: the operator's CLI. From the API it needs a fresh passkey confirmation. */
  async create(by: Principal | null, req: CreateTokenRequest, ip: string | null = null): Promise<IssuedToken> {
    const { db, tokens, scopes, audit } = this.deps;
    const role = requireRole(req.role);
    if (!(req.ttlMs > 0 && req.ttlMs <= this.deps.maxTtlMs)) {
      throw new AppError('validation_failed', `ttl: must be between 1 s and ${Math.floor(this.deps.maxTtlMs / 86_400_000)} days`, { details: { field: 'ttl', problem: 'out of range' } });
    }
    const name = req.name.trim().slice(0, 100);
    if (!name) throw new AppError('validation_failed', 'name: required', { details: { field: 'name', problem: 'required' } });
    // Without a scope an API caller means its own; the CLI means the root.
    const unit = await scopes.byCode(db, req.scope ?? by?.scopeCode);
    if (by) {
      requirePermission(by, 'tokens.write');
      if (!pathInScope(by.scope, unit.path)) throw new AppError('org_unit_unknown', `no unit with code '${req.scope}'`);
      if (!canGrant(by.role, role)) throw new AppError('forbidden', `role ${by.role} may not create a ${role} token`);
      requireFreshStepUp(by, this.deps.stepUpMaxAgeMs, this.now());
    }
    if (role === 'authority_admin' && unit.parentId !== null) throw new AppError('validation_failed', 'scope: an authority administrator is scoped to the root of the tree');
    const token = `slate_${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const record: ApiToken = {
      id: randomUUID(), name, role, scopeUnitId: unit.id, createdBy: by?.label ?? 'cli', createdAt: now,
      expiresAt: new Date(now.getTime() + req.ttlMs), revokedAt: null, lastUsedAt: null,
    };
    await db.transaction(async (tx) => {
      await tokens.create(tx, record, sha256(token));
      await audit.append(tx, {
        actor: by ? actorOf(by) : CLI_ACTOR, action: 'token.create', target: { type: 'token', id: record.id, path: unit.path },
        detail: { name, role, scope: unit.code, expiresAt: record.expiresAt }, ip,
      });
    });
    return { token, record, scopeCode: unit.code };
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (!TOKEN.test(token)) return null;
    const { db, tokens } = this.deps;
    const found = await tokens.getWithScope(db, sha256(token));
    const now = this.now();
    if (!found) return null;
    const { token: t, unit } = found;
    if (t.revokedAt || t.expiresAt <= now || !isRole(t.role)) return null;
    if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > TOUCH_EVERY_MS) await tokens.touch(db, t.id, now);
    return { kind: 'token', id: t.id, label: `token:${t.name}`, role: t.role, scope: scopeOf(unit), scopeCode: unit.code };
  }

  list(p: Principal): Promise<ApiToken[]> {
    requirePermission(p, 'tokens.read');
    return this.deps.tokens.list(this.deps.db, p.scope);
  }

  async revoke(p: Principal, id: string, ip: string | null): Promise<void> {
    requirePermission(p, 'tokens.write');
    const { db, tokens, audit, scopes } = this.deps;
    await db.transaction(async (tx) => {
      const t = /^[0-9a-f-]{36}$/i.test(id) ? await tokens.getInScope(tx, p.scope, id) : null;
      if (!t) throw new AppError('not_found', `no token ${id}`);
      await tokens.revoke(tx, id, this.now());
      const { scope } = await scopes.byId(tx, t.scopeUnitId);
      await audit.append(tx, { actor: actorOf(p), action: 'token.revoke', target: { type: 'token', id, path: scope.path }, detail: { name: t.name }, ip });
    });
  }
}
