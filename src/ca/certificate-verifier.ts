import type { X509Certificate } from 'node:crypto';
import type { Queryable } from '../db/database';
import type { CertificateRecord, CertificateStore } from '../db/stores';
import { AppError, isAppError } from '../errors';
import { CertificateFactsCache, verifyDetachedSignature, type VerifiedSigner } from '../pki/detached-signature';
import { fingerprintOf, parseCertificate } from '../pki/x509';
import type { CaMaterial } from './ca-loader';
import type { DeviceIdentity } from './device-identity';

/**
 * Decides whether a certificate a device presents is one of Slate's live device identities:
 * signed by Slate's CA, recorded at issuance, unrevoked and within its validity. Used by
 * Mdm-Signature checks, proxy-forwarded client certificates and SCEP renewal.
 */
export class CertificateVerifier {
  private readonly caCert: X509Certificate;
  /** Fingerprints whose CA signature was checked (pure function of the bytes; bounded). */
  private readonly issuedByCa = new Set<string>();
  /** What Mdm-Signature verification needs of each device certificate, parsed once. */
  private readonly signers: CertificateFactsCache;

  constructor(
    ca: CaMaterial,
    private readonly store: CertificateStore,
    private readonly now: () => Date,
    /** Certificates remembered as CA-issued, and their signature facts (DEVICE_CACHE_SIZE). */
    private readonly cacheSize: number,
  ) {
    this.caCert = parseCertificate(ca.cert);
    this.signers = new CertificateFactsCache(cacheSize);
  }

  async identify(q: Queryable, der: Buffer): Promise<DeviceIdentity> {
    const fingerprint = this.issuedBySlate(der);
    // Revocation, binding and validity are read per request: another process may have revoked it.
    return this.liveIdentity(fingerprint, await this.store.getByFingerprint(q, fingerprint));
  }

  /** Checks that `der` was issued by Slate's CA (no database); returns its fingerprint. */
  issuedBySlate(der: Buffer, fingerprint = fingerprintOf(der)): string {
    if (!this.issuedByCa.has(fingerprint)) {
      let cert: X509Certificate;
      try {
        cert = parseCertificate(der);
      } catch {
        throw new AppError('certificate_untrusted', 'not a certificate');
      }
      if (!cert.checkIssued(this.caCert) || !cert.verify(this.caCert.publicKey)) throw new AppError('certificate_untrusted', 'certificate not issued by the Slate CA');
      if (this.issuedByCa.size >= this.cacheSize) this.issuedByCa.clear();
      this.issuedByCa.add(fingerprint);
    }
    return fingerprint;
  }

  /**
   * The identity a Slate-issued certificate stands for, given its record as read by the caller
   * (the command endpoint reads it together with the device in one query).
   */
  liveIdentity(fingerprint: string, rec: CertificateRecord | null): DeviceIdentity {
    if (!rec || rec.kind !== 'device') throw new AppError('certificate_untrusted', 'certificate unknown to this Slate');
    if (rec.revokedAt) throw new AppError('certificate_revoked', 'certificate revoked');
    const t = this.now().getTime();
    if (t < rec.notBefore.getTime() || t > rec.notAfter.getTime()) throw new AppError('certificate_expired', 'certificate outside its validity');
    return {
      fingerprint, serial: rec.serial, deviceId: rec.deviceId, schoolId: rec.schoolId, gradeId: rec.gradeId, classId: rec.classId,
      enrollmentTokenId: rec.enrollmentTokenId, issuedAt: rec.createdAt, notAfter: rec.notAfter,
    };
  }

  /**
   * Apple's `Mdm-Signature`: base64 detached CMS over the exact body bytes (SHA-1 or SHA-256, with
   * or without signed attributes, BER). https://developer.apple.com/documentation/devicemanagement/implementing_device_management/managing_certificates_for_mdm_servers_and_devices
   */
  async verifyDetached(q: Queryable, signatureB64: string, body: Buffer): Promise<DeviceIdentity> {
    const fingerprint = this.verifySignature(signatureB64, body);
    return this.liveIdentity(fingerprint, await this.store.getByFingerprint(q, fingerprint));
  }

  /**
   * The signature and CA half of verifyDetached, without the database: returns the fingerprint
   * of the Slate-issued certificate that signed `body`. The caller must still check its record
   * (liveIdentity).
   */
  verifySignature(signatureB64: string, body: Buffer): string {
    const trimmed = signatureB64.replace(/\s+/g, '');
    if (!trimmed || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length > 64 * 1024) throw new AppError('signature_invalid', 'Mdm-Signature is not base64');
    let signer: VerifiedSigner | null;
    try {
      signer = verifyDetachedSignature(Buffer.from(trimmed, 'base64'), body, this.signers);
    } catch (err) {
      // Malformed CMS is the sender's problem; anything else is ours and must not look like one.
      if (!isAppError(err)) throw err;
      signer = null;
    }
    if (!signer) throw new AppError('signature_invalid', 'Mdm-Signature does not verify over the body');
    return this.issuedBySlate(signer.certificate, signer.fingerprint);
  }
}

/**
 * A client certificate forwarded by a TLS-terminating proxy: RFC 9440 `Client-Cert` (`:base64:`),
 * PEM (optionally URL-escaped, as nginx's $ssl_client_escaped_cert), bare base64 or DER bytes.
 */
export function decodeForwardedCertificate(value: string | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return value;
  let v = value.trim();
  if (v.includes('%')) {
    try {
      v = decodeURIComponent(v);
    } catch {
      throw new AppError('certificate_untrusted', 'client certificate header is not decodable');
    }
  }
  if (v.startsWith(':') && v.endsWith(':')) v = v.slice(1, -1);
  v = v.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v)) throw new AppError('certificate_untrusted', 'client certificate header is not base64');
  return Buffer.from(v, 'base64');
}
