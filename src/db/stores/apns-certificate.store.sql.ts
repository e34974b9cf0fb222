import { readBool, readDate } from '../columns';
import type { Sql } from '../sql';
import type { ApnsCertificateRecord, ApnsCertificateStore } from './apns-certificate.store';

const COLS = 'id, topic, cert_pem, key_sealed, not_after, fingerprint, uploaded_at, active';

export class SqlApnsCertificateStore implements ApnsCertificateStore {
  constructor(private readonly sql: Sql) {}

  async activate(rec: Omit<ApnsCertificateRecord, 'active'>): Promise<void> {
    await this.sql.transaction(async (ex) => {
      await this.sql.run(`UPDATE apns_certificates SET active = ? WHERE active = ?`, [false, true], ex);
      await this.sql.run(
        `INSERT INTO apns_certificates (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [rec.id, rec.topic, rec.certPem, rec.keySealed, rec.notAfter, rec.fingerprint, rec.uploadedAt, true], ex);
    });
  }

  async active(): Promise<ApnsCertificateRecord | null> {
    const r = await this.sql.one(`SELECT ${COLS} FROM apns_certificates WHERE active = ? ORDER BY uploaded_at DESC LIMIT 1`, [true]);
    return r ? toRecord(r) : null;
  }

  async list(): Promise<ApnsCertificateRecord[]> {
    return (await this.sql.rows(`SELECT ${COLS} FROM apns_certificates ORDER BY uploaded_at DESC, id`)).map(toRecord);
  }
}

function toRecord(r: Record<string, unknown>): ApnsCertificateRecord {
  return {
    id: String(r.id), topic: String(r.topic), certPem: String(r.cert_pem), keySealed: String(r.key_sealed),
    notAfter: readDate(r.not_after)!, fingerprint: String(r.fingerprint), uploadedAt: readDate(r.uploaded_at)!, active: readBool(r.active),
  };
}
