import type { AuditLogRecord } from '../db/stores';

export const AUDIT_CSV_HEADER = ['seq', 'at', 'actor_type', 'actor_id', 'actor', 'role', 'scope', 'action', 'target_type', 'target_id', 'outcome', 'ip', 'detail', 'hash'];

/** One CSV line (RFC 4180) of an audit entry. */
export function auditCsvLine(r: AuditLogRecord): string {
  return csvLine([
    String(r.seq), r.at.toISOString(), r.actorType, r.actorId, r.actorLabel, r.actorRole, r.actorScope, r.action,
    r.targetType, r.targetId, r.outcome, r.ip, r.detail, r.hash,
  ]);
}

export function csvLine(cells: readonly (string | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * Quotes where RFC 4180 needs it, and defuses cells a spreadsheet would run as a formula
 * (OWASP "CSV injection"): staff-typed labels and device names end up in these files.
 */
function csvCell(v: string | null): string {
  if (v === null) return '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}
