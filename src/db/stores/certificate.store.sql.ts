import { readDate } from '../columns';
import type { Atomic, Queryable, Tx } from '../database';
import type { CertificateFilter, CertificateKind, CertificateRecord, CertificateStore, NewCertificate } from './certificate.store';

/** Columns of a certificate row; `certificateFromRow` reads them (also from joins, see apple-device.store.sql.ts). */
export const CERTIFICATE_COLS = 'id, serial, kind, subject, fingerprint, device_id, school_id, grade_id, class_id, enrollment_token_id, not_before, not_after, revoked_at, revoke_reason, created_at';

export class SqlCertificateStore implements CertificateStore {
  async insert(tx: Tx, c: NewCertificate): Promise<void> {
    await tx.run(
      `INSERT INTO certificates (${CERTIFICATE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
      [c.id, c.serial, c.kind, c.subject, c.fingerprint, c.deviceId, c.schoolId, c.gradeId, c.classId, c.enrollmentTokenId, c.notBefore, c.notAfter, c.createdAt]);
  }

  async getByFingerprint(q: Queryable, fingerprint: string): Promise<CertificateRecord | null> {
    const r = await q.one(`SELECT ${CERTIFICATE_COLS} FROM certificates WHERE fingerprint = ?`, [fingerprint.toLowerCase()]);
    return r ? certificateFromRow(r) : null;
  }

  async getByFingerprintForUpdate(tx: Tx, fingerprint: string): Promise<CertificateRecord | null> {
    const r = await tx.one(`SELECT ${CERTIFICATE_COLS} FROM certificates WHERE fingerprint = ?${tx.forUpdate}`, [fingerprint.toLowerCase()]);
    return r ? certificateFromRow(r) : null;
  }

  async getBySerial(q: Queryable, serial: string): Promise<CertificateRecord | null> {
    const r = await q.one(`SELECT ${CERTIFICATE_COLS} FROM certificates WHERE serial = ?`, [serial.toLowerCase()]);
    return r ? certificateFromRow(r) : null;
  }

  async list(q: Queryable, filter: CertificateFilter = {}): Promise<CertificateRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.deviceId) {
      where.push('device_id = ?');
      params.push(filter.deviceId);
    }
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (!filter.includeRevoked) where.push('revoked_at IS NULL');
    params.push(filter.limit ?? 1000);
    const rows = await q.rows(
      `SELECT ${CERTIFICATE_COLS} FROM certificates${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ?`, params);
    return rows.map(certificateFromRow);
  }

  async bind(tx: Tx, fingerprint: string, deviceId: string): Promise<'bound' | 'elsewhere' | 'unknown'> {
    const r = await tx.run(
      `UPDATE certificates SET device_id = ? WHERE fingerprint = ? AND (device_id IS NULL OR device_id = ?)`, [deviceId, fingerprint, deviceId]);
    if (r.affected === 1) return 'bound';
    return (await this.getByFingerprint(tx, fingerprint)) ? 'elsewhere' : 'unknown';
  }

  async revokeBySerial(w: Atomic, serial: string, reason: string, now: Date): Promise<boolean> {
    const r = await w.run(`UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE serial = ? AND revoked_at IS NULL`, [now, reason, serial.toLowerCase()]);
    return r.affected === 1;
  }

  async revokeByDevice(w: Atomic, deviceId: string, reason: string, now: Date, keep?: string): Promise<number> {
    const r = await w.run(
      `UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE device_id = ? AND revoked_at IS NULL AND fingerprint <> ?`,
      [now, reason, deviceId, keep?.toLowerCase() ?? '']);
    return r.affected;
  }
}

export function certificateFromRow(r: Record<string, unknown>): CertificateRecord {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(r.id),
    serial: String(r.serial),
    kind: r.kind as CertificateKind,
    subject: String(r.subject),
    fingerprint: String(r.fingerprint),
    deviceId: str(r.device_id),
    schoolId: str(r.school_id),
    gradeId: str(r.grade_id),
    classId: str(r.class_id),
    enrollmentTokenId: str(r.enrollment_token_id),
    notBefore: readDate(r.not_before)!,
    notAfter: readDate(r.not_after)!,
    revokedAt: readDate(r.revoked_at),
    revokeReason: str(r.revoke_reason),
    createdAt: readDate(r.created_at)!,
  };
}
