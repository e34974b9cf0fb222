import type { Db } from '../../src/db/database';
import type { AuditFilter, AuditLogRecord, Stores } from '../../src/db/stores';

/** Audit lines as a root-scoped reader sees them (the authority's administrator), newest first. */
export async function auditLines(s: { db: Db; stores: Stores }, filter: Partial<AuditFilter> = {}): Promise<AuditLogRecord[]> {
  const root = await s.db.one<{ id: string; path: string }>(`SELECT id, path FROM org_units WHERE parent_id IS NULL ORDER BY created_at LIMIT 1`);
  if (!root) throw new Error('no organisation root');
  return s.stores.auditLog.list(s.db, { unitId: root.id, kind: 'authority', path: root.path, root: true }, { limit: 1000, ...filter });
}
