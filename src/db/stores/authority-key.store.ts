import type { Atomic, Queryable } from '../database';

/** The CA, or the RSA responder that answers SCEP beside a P-256 CA (migration 0012). */
export type AuthorityKeyName = 'ca' | 'scep-ra';

export interface AuthorityKeyRecord {
  name: AuthorityKeyName;
  /** The certificate, then any issuers above it (operator intermediates), PEM. */
  certPem: string;
  /** SecretBox('ca-key') of the PKCS#8 PEM private key. */
  keySealed: string;
  /** Created by Slate, or imported from CA_CERT_FILE/CA_KEY_FILE. */
  source: 'created' | 'operator';
  createdAt: Date;
}

/** Signing keys every Slate process on the database uses, sealed with SECRET_KEY. */
export interface AuthorityKeyStore {
  get(q: Queryable, name: AuthorityKeyName): Promise<AuthorityKeyRecord | null>;
  /**
   * Stores `rec` unless a row of that name exists; returns the row that is stored now. Two
   * processes creating a CA at once end up using the same one.
   */
  insertIfAbsent(w: Atomic, rec: AuthorityKeyRecord): Promise<AuthorityKeyRecord>;
  /** Stores `rec` in place of any row of that name (an imported operator CA, a renewed responder). */
  put(w: Atomic, rec: AuthorityKeyRecord): Promise<void>;
}
