import type { Tx } from '../db/database';
import type { AuditActor, AuditLog } from './audit-log';

/**
 * What Slate's own services (the policy reconciler, device moves) record: an actor named by a
 * string (`slate`, `cli`, a member of staff's id), an action, a target written `type:id` (or a bare
 * device id), details. They go into the one hash-chained audit log like every staff action.
 */
export interface AuditEvent {
  /** A name (`slate`, `cli`, a staff id), or the whole actor when staff act through the admin API (role and scope recorded). */
  actor: string | AuditActor;
  action: string;
  target: string;
  details?: Record<string, unknown> | null;
  at: Date;
  /** The client's address, when a member of staff or a token acted over HTTP. */
  ip?: string | null;
}

export interface AuditEventSink {
  /** Appends in the caller's transaction, so the action and its record commit together. */
  append(tx: Tx, events: readonly AuditEvent[]): Promise<void>;
}

const SLATE: AuditActor = { type: 'system', id: null, label: 'slate', role: null, scopeCode: null, scopePath: null };
const CLI: AuditActor = { type: 'cli', id: null, label: 'cli', role: null, scopeCode: null, scopePath: null };

function actorOf(name: string | AuditActor): AuditActor {
  if (typeof name !== 'string') return name;
  if (name === 'slate' || name === 'reconciler') return { ...SLATE, label: name };
  if (name === 'cli') return CLI;
  return { type: 'staff', id: name.slice(0, 64), label: name, role: null, scopeCode: null, scopePath: null };
}

function targetOf(target: string): { type: string; id: string } {
  const colon = target.indexOf(':');
  return colon > 0 ? { type: target.slice(0, colon), id: target.slice(colon + 1) } : { type: 'device', id: target };
}

export function auditEventSink(log: Pick<AuditLog, 'append'>): AuditEventSink {
  return {
    async append(tx, events) {
      for (const e of events) {
        await log.append(tx, { actor: actorOf(e.actor), action: e.action, target: targetOf(e.target), detail: e.details ?? undefined, ip: e.ip ?? null });
      }
    },
  };
}
