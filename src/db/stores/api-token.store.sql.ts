import { readDate } from '../columns';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import type { ApiToken, ApiTokenStore } from './api-token.store';
import type { OrgUnit } from './org.store';
import { pathPrefix, type Scope } from './scope';
import { UNIT_COLS, unitFromJoin } from './unit-join';

const COLS = 'id, name, role, scope_unit_id, created_by, created_at, expires_at, revoked_at, last_used_at';
const inScope = (scope: Scope) => scope.root
  ? { sql: '', params: [] as unknown[] }
  : { sql: ' AND scope_unit_id IN (SELECT id FROM org_units WHERE path LIKE ?)', params: [pathPrefix(scope)] };

export class SqlApiTokenStore implements ApiTokenStore {
  async create(w: Atomic, t: ApiToken, tokenHash: string): Promise<void> {
    await w.run(`INSERT INTO api_tokens (${COLS}, token_hash) VALUES (${placeholders(10)})`,
      [t.id, t.name, t.role, t.scopeUnitId, t.createdBy, t.createdAt, t.expiresAt, t.revokedAt, t.lastUsedAt, tokenHash]);
  }

  async getByHash(q: Queryable, tokenHash: string): Promise<ApiToken | null> {
    const r = await q.one(`SELECT ${COLS} FROM api_tokens WHERE token_hash = ?`, [tokenHash]);
    return r ? toToken(r) : null;
  }

  async getWithScope(q: Queryable, tokenHash: string): Promise<{ token: ApiToken; unit: OrgUnit } | null> {
    const r = await q.one(`SELECT ${COLS.split(', ').map((c) => `t.${c}`).join(', ')}, ${UNIT_COLS} FROM api_tokens t JOIN org_units u ON u.id = t.scope_unit_id WHERE t.token_hash = ?`, [tokenHash]);
    return r ? { token: toToken(r), unit: unitFromJoin(r) } : null;
  }

  async list(q: Queryable, scope: Scope): Promise<ApiToken[]> {
    const s = inScope(scope);
    return (await q.rows(`SELECT ${COLS} FROM api_tokens WHERE 1 = 1${s.sql} ORDER BY created_at DESC`, s.params)).map(toToken);
  }

  async getInScope(q: Queryable, scope: Scope, id: string): Promise<ApiToken | null> {
    const s = inScope(scope);
    const r = await q.one(`SELECT ${COLS} FROM api_tokens WHERE id = ?${s.sql}`, [id, ...s.params]);
    return r ? toToken(r) : null;
  }

  async revoke(tx: Tx, id: string, at: Date): Promise<boolean> {
    return (await tx.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])).affected > 0;
  }

  async touch(w: Atomic, id: string, at: Date): Promise<void> {
    await w.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, id]);
  }
}

function toToken(r: Record<string, unknown>): ApiToken {
  return {
    id: String(r.id), name: String(r.name), role: String(r.role), scopeUnitId: String(r.scope_unit_id), createdBy: (r.created_by as string | null) ?? null,
    createdAt: readDate(r.created_at)!, expiresAt: readDate(r.expires_at)!, revokedAt: readDate(r.revoked_at), lastUsedAt: readDate(r.last_used_at),
  };
}
