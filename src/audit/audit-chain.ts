import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditLogRecord } from '../db/stores';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The exact text an entry's MAC covers: every stored field in a fixed order, as JSON (so no value
 * can shift into its neighbour), the time in ISO form with milliseconds (what both databases keep).
 */
export function canonicalEntry(r: Omit<AuditLogRecord, 'prevHash' | 'hash'>): string {
  return JSON.stringify([
    r.seq, r.at.toISOString(), r.actorType, r.actorId, r.actorLabel, r.actorRole, r.actorScope, r.action,
    r.targetType, r.targetId, r.scopePath, r.outcome, r.detail, r.ip,
  ]);
}

/**
 * An entry's hash: HMAC-SHA256 over the previous hash and the entry, keyed from SECRET_KEY. A plain
 * hash chain can be recomputed by whoever edits a row; with the key, someone holding only the
 * database cannot, so an edit, a deleted row or a rewritten tail shows as a broken link.
 */
export function chainHash(key: Buffer, prevHash: string, r: Omit<AuditLogRecord, 'prevHash' | 'hash'>): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(canonicalEntry(r)).digest('hex');
}

export interface BrokenLink {
  seq: number;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap' | 'head_mismatch';
}

/** Checks one entry against its predecessor; null when the link holds. */
export function checkLink(key: Buffer, prev: { seq: number; hash: string }, r: AuditLogRecord): BrokenLink | null {
  if (r.seq !== prev.seq + 1) return { seq: prev.seq + 1, reason: 'sequence_gap' };
  if (!sameHex(r.prevHash, prev.hash)) return { seq: r.seq, reason: 'prev_hash_mismatch' };
  if (!sameHex(r.hash, chainHash(key, prev.hash, r))) return { seq: r.seq, reason: 'hash_mismatch' };
  return null;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Detail as canonical JSON text (keys sorted), so the stored text is exactly what was hashed. */
export function canonicalDetail(detail: Record<string, unknown> | null | undefined): string | null {
  if (!detail) return null;
  return JSON.stringify(sortKeys(detail, 0));
}

function sortKeys(v: unknown, depth: number): unknown {
  if (depth > 16 || v === null || typeof v !== 'object') return v instanceof Date ? v.toISOString() : v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sortKeys(x, depth + 1);
  }
  return out;
}
