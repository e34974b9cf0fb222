import { readBool, readDate } from '../columns';
import type { Queryable, Tx } from '../database';
import type { ApnsCertificateRecord, ApnsCertificateStore } from './apns-certificate.store';

const COLS = 'id, topic, cert_pem, key_sealed, not_after, fingerprint, uploaded_at, active';

export class SqlApnsCertificateStore implements ApnsCertificateStore {
  async activate(tx: Tx, rec: Omit<ApnsCertificateRecord, 'active'>): Promise<void> {
    await tx.run(`UPDATE apns_certificates SET active = ? WHERE active = ?`, [false, true]);
    await tx.run(
      `INSERT INTO apns_certificates (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [rec.id, rec.topic, rec.certPem, rec.keySealed, rec.notAfter, rec.fingerprint, rec.uploadedAt, true]);
  }

  async active(q: Queryable): Promise<ApnsCertificateRecord | null> {
    const r = await q.one(`SELECT ${COLS} FROM apns_certificates WHERE active = ? ORDER BY uploaded_at DESC LIMIT 1`, [true]);
    return r ? toRecord(r) : null;
  }

  async list(q: Queryable): Promise<ApnsCertificateRecord[]> {
    return (await q.rows(`SELECT ${COLS} FROM apns_certificates ORDER BY uploaded_at DESC, id`)).map(toRecord);
  }
}

function toRecord(r: Record<string, unknown>): ApnsCertificateRecord {
  return {
    id: String(r.id), topic: String(r.topic), certPem: String(r.cert_pem), keySealed: String(r.key_sealed),
    notAfter: readDate(r.not_after)!, fingerprint: String(r.fingerprint), uploadedAt: readDate(r.uploaded_at)!, active: readBool(r.active),
  };
}
