import type { AuditLog, AuditLogRecord, VerifyReport } from '../../audit/audit-log';
import type { AuditFilter } from '../../db/stores';
import { AppError } from '../../errors';
import { decodeCursor, pageOf, type Page } from '../cursor';
import { requirePermission, type Principal } from '../auth/principal';

export type { AuditLogRecord, VerifyReport } from '../../audit/audit-log';

export type AuditQuery = Omit<AuditFilter, 'beforeSeq'> & { cursor?: string };

/** The audit log as staff read it: lines filed under their scope, newest first; verification for the whole tree. */
export class AdminAudit {
  constructor(private readonly log: AuditLog) {}

  async query(p: Principal, q: AuditQuery): Promise<Page<AuditLogRecord>> {
    requirePermission(p, 'audit.read');
    const rows = await this.log.query(p.scope, { ...q, beforeSeq: decodeCursor(q.cursor, 'seq') as number | undefined, limit: q.limit + 1 });
    return pageOf(rows, q.limit, (r) => r.seq);
  }

  /** Every line in scope matching the filter, page by page (CSV export). */
  async *all(p: Principal, q: Omit<AuditQuery, 'cursor' | 'limit'>): AsyncGenerator<AuditLogRecord> {
    requirePermission(p, 'audit.read');
    let beforeSeq: number | undefined;
    for (;;) {
      const rows = await this.log.query(p.scope, { ...q, beforeSeq, limit: 1000 });
      yield* rows;
      if (rows.length < 1000) return;
      beforeSeq = rows[rows.length - 1]!.seq;
    }
  }

  /** The chain spans every scope, so only those who may read all of it verify it. */
  verify(p: Principal): Promise<VerifyReport> {
    requirePermission(p, 'audit.read');
    if (!p.scope.root) throw new AppError('forbidden', 'verifying the audit chain needs a scope at the root of the tree');
    return this.log.verify();
  }
}
