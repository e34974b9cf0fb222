import type { Atomic, Queryable, Tx } from '../database';
import type { OrgUnit } from './org.store';
import type { Scope } from './scope';

export interface ApiToken {
  id: string;
  name: string;
  role: string;
  scopeUnitId: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** API tokens for automation: stored as SHA-256, shown once. */
export interface ApiTokenStore {
  create(w: Atomic, t: ApiToken, tokenHash: string): Promise<void>;
  getByHash(q: Queryable, tokenHash: string): Promise<ApiToken | null>;
  /** The token with its scope unit, in one query (every API request with a token asks this). */
  getWithScope(q: Queryable, tokenHash: string): Promise<{ token: ApiToken; unit: OrgUnit } | null>;
  /** Tokens whose scope lies inside `scope`. */
  list(q: Queryable, scope: Scope): Promise<ApiToken[]>;
  getInScope(q: Queryable, scope: Scope, id: string): Promise<ApiToken | null>;
  revoke(tx: Tx, id: string, at: Date): Promise<boolean>;
  touch(w: Atomic, id: string, at: Date): Promise<void>;
}
