import type { Atomic, Queryable, Tx } from '../database';

/** What a certificate is for. */
export type CertificateKind = 'device' | 'scep-ra' | 'profile-signing' | 'tls-server';

export interface CertificateRecord {
  id: string;
  /** Serial number, lowercase hex without separators. */
  serial: string;
  kind: CertificateKind;
  /** Subject as text (RFC 2253-ish, for people). */
  subject: string;
  /** SHA-256 of the DER, lowercase hex. */
  fingerprint: string;
  deviceId: string | null;
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
  enrollmentTokenId: string | null;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
  createdAt: Date;
}

export type NewCertificate = Omit<CertificateRecord, 'revokedAt' | 'revokeReason'>;

export interface CertificateFilter {
  deviceId?: string;
  kind?: CertificateKind;
  includeRevoked?: boolean;
  limit?: number;
}

/** Every certificate the CA issued. */
export interface CertificateStore {
  insert(tx: Tx, cert: NewCertificate): Promise<void>;
  getByFingerprint(q: Queryable, fingerprint: string): Promise<CertificateRecord | null>;
  /** The record locked for the rest of the transaction (Postgres), so two requests with one certificate take turns. */
  getByFingerprintForUpdate(tx: Tx, fingerprint: string): Promise<CertificateRecord | null>;
  getBySerial(q: Queryable, serial: string): Promise<CertificateRecord | null>;
  list(q: Queryable, filter?: CertificateFilter): Promise<CertificateRecord[]>;
  /**
   * Binds a certificate to a device unless it is bound to another one (one statement, so two
   * devices presenting the same certificate cannot both win). 'bound' also when already bound here.
   */
  bind(tx: Tx, fingerprint: string, deviceId: string): Promise<'bound' | 'elsewhere' | 'unknown'>;
  revokeBySerial(w: Atomic, serial: string, reason: string, now: Date): Promise<boolean>;
  /** Revokes a device's certificates, except `keep` (the one it now uses); returns how many. */
  revokeByDevice(w: Atomic, deviceId: string, reason: string, now: Date, keep?: string): Promise<number>;
}
