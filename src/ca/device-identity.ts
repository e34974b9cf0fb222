/** The device as proven by its identity certificate (Mdm-Signature or a proxy-forwarded client cert). */
export interface DeviceIdentity {
  /** SHA-256 of the certificate DER, hex. */
  fingerprint: string;
  serial: string;
  /**
   * The device the certificate belongs to: bound at its first Authenticate, or set at issuance when
   * it renews a device's identity. Null for a certificate no device has used yet.
   */
  deviceId: string | null;
  /** Placement carried from the enrolment link through the SCEP challenge. */
  schoolId: string | null;
  gradeId: string | null;
  classId: string | null;
  enrollmentTokenId: string | null;
  /** When the CA issued it (orders a renewal after the identity it replaces). */
  issuedAt: Date;
  notAfter: Date;
}
