import type { Queryable, Tx } from '../database';
import type { Scope } from './scope';

export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
export type AuditActorType = 'staff' | 'token' | 'cli' | 'system';

/** One line of the audit log as stored: who (role, scope), what, on which target, when, from where, outcome. */
export interface AuditLogRecord {
  seq: number;
  at: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorLabel: string;
  actorRole: string | null;
  /** Code of the actor's scope unit. */
  actorScope: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** Org path of the target (or of the actor's scope): who may read the line. */
  scopePath: string | null;
  outcome: AuditOutcome;
  /** Canonical JSON text, stored as hashed. */
  detail: string | null;
  ip: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  outcome?: AuditOutcome;
  /** Keyset pagination, newest first: entries with a smaller seq. */
  beforeSeq?: number;
  limit: number;
}

/** The append-only, hash-chained audit log (see migration 0013 and src/audit). */
export interface AuditLogStore {
  /** The chain's head, locked for the rest of the transaction: appends take turns. */
  lockHead(tx: Tx): Promise<{ seq: number; hash: string }>;
  /** Appends a line and advances the head (caller holds the head lock). */
  append(tx: Tx, record: AuditLogRecord): Promise<void>;
  head(q: Queryable): Promise<{ seq: number; hash: string }>;
  /** Lines inside the scope, newest first. */
  list(q: Queryable, scope: Scope, filter: AuditFilter): Promise<AuditLogRecord[]>;
  /** Every line after `afterSeq` in chain order (verification). */
  scan(q: Queryable, afterSeq: number, limit: number): Promise<AuditLogRecord[]>;
}
