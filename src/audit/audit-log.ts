import type { Db, Tx } from '../db/database';
import type { AuditActorType, AuditFilter, AuditLogStore, AuditOutcome, AuditLogRecord, Scope } from '../db/stores';
import { canonicalDetail, chainHash, checkLink, GENESIS_HASH, type BrokenLink } from './audit-chain';

export type { AuditFilter, AuditOutcome, AuditLogRecord } from '../db/stores';

/** Who acted: a member of staff, an API token, the operator's CLI or Slate itself. */
export interface AuditActor {
  type: AuditActorType;
  id: string | null;
  label: string;
  role: string | null;
  /** The code of the actor's scope unit, and its path (where lines without a target are filed). */
  scopeCode: string | null;
  scopePath: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string; path?: string | null };
  outcome?: AuditOutcome;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries checked (the chain up to the head read at the start). */
  checked: number;
  firstBroken: BrokenLink | null;
}

const PAGE = 2000;

/**
 * The audit log: every staff action and its outcome, appended in the transaction of the action
 * itself (a rolled-back action leaves no "ok" line), each entry chained to the one before by a
 * keyed hash. Appends take turns on the chain's head row, so concurrent actions on several
 * processes still form one chain.
 */
export class AuditLog {
  constructor(private readonly deps: { db: Db; store: AuditLogStore; key: Buffer; now?: () => Date }) {}

  /** Appends in the caller's transaction; best done last in it (the head stays locked until commit). */
  async append(tx: Tx, e: AuditEntry): Promise<AuditLogRecord> {
    const head = await this.deps.store.lockHead(tx);
    const body = {
      seq: head.seq + 1, at: this.deps.now?.() ?? new Date(), actorType: e.actor.type, actorId: e.actor.id,
      actorLabel: e.actor.label.slice(0, 254), actorRole: e.actor.role, actorScope: e.actor.scopeCode,
      action: e.action, targetType: e.target?.type ?? null, targetId: e.target?.id.slice(0, 200) ?? null,
      scopePath: (e.target ? e.target.path : undefined) ?? e.actor.scopePath, outcome: e.outcome ?? 'ok',
      detail: canonicalDetail(e.detail), ip: e.ip?.slice(0, 64) ?? null,
    };
    const record: AuditLogRecord = { ...body, prevHash: head.hash, hash: chainHash(this.deps.key, head.hash, body) };
    await this.deps.store.append(tx, record);
    return record;
  }

  /** Appends in a transaction of its own: refusals and failures, whose action left nothing else. */
  record(e: AuditEntry): Promise<AuditLogRecord> {
    return this.deps.db.transaction((tx) => this.append(tx, e));
  }

  query(scope: Scope, filter: AuditFilter): Promise<AuditLogRecord[]> {
    return this.deps.store.list(this.deps.db, scope, filter);
  }

  /** Walks the chain from the start and reports the first broken link. */
  async verify(): Promise<VerifyReport> {
    const { db, store, key } = this.deps;
    const head = await store.head(db);
    let prev = { seq: 0, hash: GENESIS_HASH };
    let checked = 0;
    while (prev.seq < head.seq) {
      const page = await store.scan(db, prev.seq, PAGE);
      for (const r of page) {
        if (r.seq > head.seq) break;
        const broken = checkLink(key, prev, r);
        if (broken) return { ok: false, checked, firstBroken: broken };
        prev = { seq: r.seq, hash: r.hash };
        checked++;
      }
      if (page.length < PAGE) break;
    }
    // A cut-off tail leaves the head pointing past the last entry.
    if (prev.seq !== head.seq || prev.hash !== head.hash) return { ok: false, checked, firstBroken: { seq: prev.seq + 1, reason: 'head_mismatch' } };
    return { ok: true, checked, firstBroken: null };
  }
}
export { AUDIT_OUTCOMES } from '../db/stores';
