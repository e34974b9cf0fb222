import { randomBytes, randomUUID } from 'node:crypto';
import type { DeviceIdentity } from '../apple/checkin.types';
import type { CertificateBinder } from '../apple/checkin.service';
import type { PkiConfig } from '../config/pki.config';
import type { CertificateFilter, CertificateKind, CertificateRecord, CertificateStore, ChallengePlacement, ScepChallengeStore } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import type { CaMaterial } from './ca-loader';
import { CertificateVerifier, decodeForwardedCertificate } from './certificate-verifier';
import { certificatesOnly, signData } from './cms-signed-data';
import type { ParsedCsr } from './csr';
import type { Responder } from './scep-message';
import { hashChallenge, ScepResponder } from './scep.responder';
import { certificateParts, derToPem, fingerprintOf, issueCertificate, parseCertificate, randomSerial } from './x509';

export interface PkiServiceDeps {
  config: PkiConfig;
  ca: CaMaterial;
  /** Who answers SCEP: the CA itself (RSA), or an RSA RA certificate beside an EC CA. */
  scep: Responder;
  certificates: CertificateStore;
  challenges: ScepChallengeStore;
  logger: Logger;
  now?: () => Date;
}

export interface CaSummary {
  subject: string;
  issuer: string;
  fingerprint: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  source: CaMaterial['source'];
}

export interface ChallengeRequest {
  schoolId: string;
  gradeId: string;
  classId?: string | null;
  enrollmentTokenId?: string | null;
  ttlMs?: number;
}

/** GetCACaps (RFC 8894 §3.5.2). DES3/AES for envelopes, SHA-1/SHA-256 for signatures. */
export const SCEP_CAPABILITIES = ['POSTPKIOperation', 'SHA-256', 'SHA-1', 'AES', 'DES3', 'SCEPStandard', 'Renewal'];

/**
 * Slate's certificate authority: issues device identities through SCEP, signs enrolment
 * profiles, and decides whether a certificate a device presents is a live Slate identity.
 */
export class PkiService implements CertificateBinder {
  readonly verifier: CertificateVerifier;
  private readonly responder: ScepResponder;

  constructor(private readonly deps: PkiServiceDeps) {
    this.verifier = new CertificateVerifier(deps.ca, deps.certificates, () => this.now());
    this.responder = new ScepResponder({
      responder: deps.scep,
      consumeChallenge: (c) => deps.challenges.consume(hashChallenge(c), this.now()),
      issue: (csr, placement, deviceId) => this.issueDeviceCertificate(csr, placement, deviceId),
      verifier: this.verifier,
      logger: deps.logger,
    });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  caCertificateDer(): Buffer {
    return this.deps.ca.cert;
  }

  caCertificatePem(): string {
    return [this.deps.ca.cert, ...this.deps.ca.chain].map(derToPem).join('');
  }

  caSummary(): CaSummary {
    const c = parseCertificate(this.deps.ca.cert);
    return {
      subject: oneLine(c.subject), issuer: oneLine(c.issuer), fingerprint: fingerprintOf(this.deps.ca.cert), serial: c.serialNumber.toLowerCase(),
      notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo), keyType: c.publicKey.asymmetricKeyType ?? 'unknown', source: this.deps.ca.source,
    };
  }

  /** A one-time SCEP challenge for an enrolment profile; only its hash is stored. */
  async createChallenge(r: ChallengeRequest): Promise<{ challenge: string; expiresAt: Date }> {
    const challenge = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + (r.ttlMs ?? this.deps.config.scepChallengeTtlMs));
    await this.deps.challenges.create(
      { id: randomUUID(), schoolId: r.schoolId, gradeId: r.gradeId, classId: r.classId ?? null, enrollmentTokenId: r.enrollmentTokenId ?? null, expiresAt, createdAt: now },
      hashChallenge(challenge),
    );
    return { challenge, expiresAt };
  }

  /** GetCACert: the CA alone (DER), or a certs-only PKCS#7 when an RA or intermediates answer too. */
  scepCaCertificate(): { body: Buffer; contentType: string } {
    const { ca, scep } = this.deps;
    if (scep.cert.equals(ca.cert) && ca.chain.length === 0) return { body: ca.cert, contentType: 'application/x-x509-ca-cert' };
    const certs = scep.cert.equals(ca.cert) ? [ca.cert, ...ca.chain] : [scep.cert, ca.cert, ...ca.chain];
    return { body: certificatesOnly(certs), contentType: 'application/x-x509-ca-ra-cert' };
  }

  scepOperation(body: Buffer): Promise<Buffer> {
    return this.responder.handle(body);
  }

  /** CMS SignedData (DER) with the profile inside, signed by the CA, chain included. */
  signProfile(bytes: Buffer): Buffer {
    return signData({ content: bytes, signerCert: this.deps.ca.cert, signerKey: this.deps.ca.key, extraCertificates: this.deps.ca.chain, digest: 'sha256' });
  }

  verifyDeviceSignature(signatureB64: string, body: Buffer): Promise<DeviceIdentity> {
    return this.verifier.verifyDetached(signatureB64, body);
  }

  async checkDeviceCertificate(pemOrDer: string | Buffer): Promise<DeviceIdentity> {
    return this.verifier.identify(decodeForwardedCertificate(pemOrDer));
  }

  /** Signature and CA checks of verifyDeviceSignature without the database read; see liveIdentity. */
  deviceSignatureFingerprint(signatureB64: string, body: Buffer): string {
    return this.verifier.verifySignature(signatureB64, body);
  }

  /** CA check of checkDeviceCertificate without the database read; see liveIdentity. */
  deviceCertificateFingerprint(pemOrDer: string | Buffer): string {
    return this.verifier.issuedBySlate(decodeForwardedCertificate(pemOrDer));
  }

  /** The identity of a Slate-issued certificate, given its record as the caller read it. */
  liveIdentity(fingerprint: string, rec: CertificateRecord | null): DeviceIdentity {
    return this.verifier.liveIdentity(fingerprint, rec);
  }

  async bindCertificate(fingerprint: string, deviceId: string): Promise<void> {
    const r = await this.deps.certificates.bind(fingerprint.toLowerCase(), deviceId);
    if (r === 'elsewhere') throw new AppError('certificate_bound_elsewhere', 'certificate is bound to another device');
    if (r === 'unknown') throw new AppError('certificate_untrusted', 'certificate unknown to this Slate');
  }

  revokeByDevice(deviceId: string, reason: string): Promise<number> {
    return this.deps.certificates.revokeByDevice(deviceId, reason, this.now());
  }

  async revokeBySerial(serial: string, reason: string): Promise<CertificateRecord> {
    const normalised = serial.replace(/[:\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
    const rec = await this.deps.certificates.getBySerial(normalised);
    if (!rec) throw new AppError('not_found', `no certificate with serial ${serial}`);
    if (!rec.revokedAt) await this.deps.certificates.revokeBySerial(normalised, reason, this.now());
    return (await this.deps.certificates.getBySerial(normalised))!;
  }

  listCertificates(filter: CertificateFilter = {}): Promise<CertificateRecord[]> {
    return this.deps.certificates.list(filter);
  }

  getCertificateByFingerprint(fingerprint: string): Promise<CertificateRecord | null> {
    return this.deps.certificates.getByFingerprint(fingerprint.toLowerCase());
  }

  /**
   * A device identity from a verified CSR: subject and key from the CSR, everything else from
   * policy (clientAuth, digitalSignature+keyEncipherment, DEVICE_CERT_VALIDITY); requested
   * extensions are never copied.
   */
  async issueDeviceCertificate(csr: ParsedCsr, placement: ChallengePlacement, deviceId: string | null): Promise<Buffer> {
    const now = this.now();
    return this.issue('device', { subject: csr.subject, spki: csr.spki, validityMs: this.deps.config.deviceCertValidityMs, now }, placement, deviceId);
  }

  async issue(kind: CertificateKind, t: { subject: Buffer; spki: Buffer; validityMs: number; now: Date }, placement: Partial<ChallengePlacement>, deviceId: string | null): Promise<Buffer> {
    const ca = certificateParts(this.deps.ca.cert);
    const caNotAfter = new Date(parseCertificate(this.deps.ca.cert).validTo);
    // Backdated a minute for device clocks; never beyond the CA's own expiry (RFC 5280 §6.1.3).
    const notBefore = new Date(t.now.getTime() - 60_000);
    const notAfter = new Date(Math.min(t.now.getTime() + t.validityMs, caNotAfter.getTime()));
    const serial = randomSerial();
    const der = issueCertificate(
      { serial, subject: t.subject, issuer: ca.subject, notBefore, notAfter, subjectPublicKey: t.spki, issuerPublicKey: ca.spki, profile: kind === 'device' ? 'device' : kind === 'scep-ra' ? 'ra' : 'signing' },
      this.deps.ca.key,
    );
    await this.deps.certificates.insert({
      id: randomUUID(), serial: serial.toString('hex'), kind, subject: oneLine(parseCertificate(der).subject), fingerprint: fingerprintOf(der), deviceId,
      schoolId: placement.schoolId ?? null, gradeId: placement.gradeId ?? null, classId: placement.classId ?? null, enrollmentTokenId: placement.enrollmentTokenId ?? null,
      notBefore: truncateToSecond(notBefore), notAfter: truncateToSecond(notAfter), createdAt: t.now,
    });
    return der;
  }
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

/** X.509 times have second precision; keep the record equal to the certificate. */
function truncateToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
