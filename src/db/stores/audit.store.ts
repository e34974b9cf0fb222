import type { Queryable, Tx } from '../database';

/**
 * One thing someone (a person, the CLI, Slate itself) did: `actor` who, `action` what
 * (`policy.apply`, `device.move`, …), `target` to what (a device id, `catalog:12`), `details`
 * anything else as JSON (never secrets).
 */
export interface AuditEvent {
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown> | null;
  at: Date;
}

export interface AuditRecord extends AuditEvent {
  id: number;
  details: Record<string, unknown> | null;
}

/**
 * Append-only audit log. Events are written only through the transaction of the action they
 * describe (Tx, never Db), so an action and its record commit or roll back together. Kept minimal
 * on purpose: the audit issue adds the hash chain (each row's hash over its content and the
 * previous row's hash, the head locked inside this same `append`) without changing callers.
 */
export interface AuditStore {
  append(tx: Tx, events: readonly AuditEvent[]): Promise<void>;
  /** Newest first. */
  list(q: Queryable, filter?: { target?: string; action?: string; limit?: number }): Promise<AuditRecord[]>;
}
