import type { Queryable, Tx } from '../database';

/** An APNs push certificate as stored; the private key is sealed with SecretBox('push-key'). */
export interface ApnsCertificateRecord {
  id: string;
  /** `com.apple.mgmt.External.<uuid>`, from the certificate's subject UID. */
  topic: string;
  certPem: string;
  keySealed: string;
  notAfter: Date;
  /** SHA-256 of the certificate DER, hex. */
  fingerprint: string;
  uploadedAt: Date;
  active: boolean;
}

export interface ApnsCertificateStore {
  /** Stores a certificate as the one in use; earlier ones stay as history, inactive. */
  activate(tx: Tx, rec: Omit<ApnsCertificateRecord, 'active'>): Promise<void>;
  active(q: Queryable): Promise<ApnsCertificateRecord | null>;
  /** Newest first. */
  list(q: Queryable): Promise<ApnsCertificateRecord[]>;
}
