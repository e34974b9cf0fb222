import { readDate } from '../columns';
import { placeholders, type Queryable, type Tx } from '../database';
import type { AuditFilter, AuditLogStore, AuditLogRecord } from './audit-log.store';
import { pathPrefix, type Scope } from './scope';

const COLUMNS = [
  'seq', 'at', 'actor_type', 'actor_id', 'actor_label', 'actor_role', 'actor_scope', 'action', 'target_type', 'target_id',
  'scope_path', 'outcome', 'detail', 'ip', 'prev_hash', 'hash',
] as const;
const SELECT = `SELECT ${COLUMNS.join(', ')} FROM audit_log`;

export class SqlAuditLogStore implements AuditLogStore {
  async lockHead(tx: Tx): Promise<{ seq: number; hash: string }> {
    const r = await tx.one<{ seq: number | string; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${tx.forUpdate}`);
    if (!r) throw new Error('audit_head is missing (migration 0013 not applied?)');
    return { seq: Number(r.seq), hash: r.hash };
  }

  async append(tx: Tx, r: AuditLogRecord): Promise<void> {
    await tx.run(`INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES (${placeholders(COLUMNS.length)})`, [
      r.seq, r.at, r.actorType, r.actorId, r.actorLabel, r.actorRole, r.actorScope, r.action, r.targetType, r.targetId,
      r.scopePath, r.outcome, r.detail, r.ip, r.prevHash, r.hash,
    ]);
    await tx.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [r.seq, r.hash]);
  }

  async head(q: Queryable): Promise<{ seq: number; hash: string }> {
    const r = await q.one<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    return { seq: Number(r?.seq ?? 0), hash: r?.hash ?? '' };
  }

  async list(q: Queryable, scope: Scope, f: AuditFilter): Promise<AuditLogRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      where.push(sql);
      params.push(v);
    };
    if (!scope.root) add('scope_path LIKE ?', pathPrefix(scope));
    if (f.from) add('at >= ?', f.from);
    if (f.to) add('at < ?', f.to);
    if (f.action) add('action = ?', f.action);
    if (f.actorId) add('actor_id = ?', f.actorId);
    if (f.targetType) add('target_type = ?', f.targetType);
    if (f.targetId) add('target_id = ?', f.targetId);
    if (f.outcome) add('outcome = ?', f.outcome);
    if (f.beforeSeq !== undefined) add('seq < ?', f.beforeSeq);
    const limit = Math.max(1, Math.min(10_000, Math.floor(f.limit)));
    return (await q.rows(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`, params)).map(toRecord);
  }

  async scan(q: Queryable, afterSeq: number, limit: number): Promise<AuditLogRecord[]> {
    return (await q.rows(`${SELECT} WHERE seq > ? ORDER BY seq LIMIT ${Math.max(1, Math.floor(limit))}`, [afterSeq])).map(toRecord);
  }
}

function toRecord(r: Record<string, unknown>): AuditLogRecord {
  const s = (k: string) => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  return {
    seq: Number(r.seq), at: readDate(r.at)!, actorType: String(r.actor_type) as AuditLogRecord['actorType'], actorId: s('actor_id'),
    actorLabel: String(r.actor_label), actorRole: s('actor_role'), actorScope: s('actor_scope'), action: String(r.action),
    targetType: s('target_type'), targetId: s('target_id'), scopePath: s('scope_path'), outcome: String(r.outcome) as AuditLogRecord['outcome'],
    detail: s('detail'), ip: s('ip'), prevHash: String(r.prev_hash), hash: String(r.hash),
  };
}
