import { randomBytes, randomUUID } from 'node:crypto';
import type { PkiConfig } from '../config/pki.config';
import type { Atomic, Db, Tx } from '../db/database';
import type { CertificateFilter, CertificateKind, CertificateRecord, CertificateStore, ChallengePlacement, ScepChallengeStore } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { certificatesOnly, signData } from '../pki/cms-signed-data';
import type { ParsedCsr } from '../pki/csr';
import type { Responder } from '../pki/scep-message';
import { buildName, certificateParts, derToPem, fingerprintOf, issueCertificate, parseCertificate, randomSerial } from '../pki/x509';
import type { CaMaterial } from './ca-loader';
import { CertificateVerifier } from './certificate-verifier';
import { hashChallenge, ScepResponder, type IssueTarget } from './scep.responder';

export interface CertificateAuthorityDeps {
  config: PkiConfig;
  ca: CaMaterial;
  /** Who answers SCEP: the CA itself (RSA), or an RSA RA certificate beside an EC CA. */
  scep: Responder;
  db: Db;
  certificates: CertificateStore;
  challenges: ScepChallengeStore;
  logger: Logger;
  /** Fingerprints the verifier remembers as CA-issued: a pure function of the bytes (CA_CACHE_SIZE). */
  verifiedCacheSize: number;
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

export interface ChallengeRequest extends Partial<Pick<ChallengePlacement, 'classId' | 'enrollmentTokenId'>> {
  schoolId: string;
  gradeId: string;
  /** A renewal challenge: the certificate it admits belongs to this device from the start. */
  deviceId?: string | null;
  ttlMs?: number;
}

/** GetCACaps (RFC 8894 §3.5.2). DES3/AES for envelopes, SHA-1/SHA-256 for signatures. */
export const SCEP_CAPABILITIES = ['POSTPKIOperation', 'SHA-256', 'SHA-1', 'AES', 'DES3', 'SCEPStandard', 'Renewal'];

/**
 * Slate's certificate authority: issues device identities through SCEP, signs enrolment profiles,
 * records every certificate, and decides whether a certificate a device presents is a live Slate
 * identity (CertificateVerifier). The codec it builds on (src/pki) knows nothing of storage.
 */
export class CertificateAuthority {
  readonly verifier: CertificateVerifier;
  private readonly responder: ScepResponder;

  constructor(private readonly deps: CertificateAuthorityDeps) {
    this.verifier = new CertificateVerifier(deps.ca, deps.certificates, () => this.now(), deps.verifiedCacheSize);
    this.responder = new ScepResponder({
      db: deps.db,
      responder: deps.scep,
      consumeChallenge: (tx, c) => this.consumeChallenge(tx, c),
      issue: (tx, csr, target) => this.issueDeviceCertificate(tx, csr, target),
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
  async createChallenge(w: Atomic, r: ChallengeRequest): Promise<{ challenge: string; expiresAt: Date }> {
    const challenge = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + (r.ttlMs ?? this.deps.config.scepChallengeTtlMs));
    await this.deps.challenges.create(w, {
      id: randomUUID(), schoolId: r.schoolId, gradeId: r.gradeId, classId: r.classId ?? null, enrollmentTokenId: r.enrollmentTokenId ?? null,
      deviceId: r.deviceId ?? null, expiresAt, createdAt: now,
    }, hashChallenge(challenge));
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

  revokeByDevice(w: Atomic, deviceId: string, reason: string, keep?: string): Promise<number> {
    return this.deps.certificates.revokeByDevice(w, deviceId, reason, this.now(), keep);
  }

  async revokeBySerial(serial: string, reason: string): Promise<CertificateRecord> {
    const normalised = serial.replace(/[:\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
    const { db, certificates } = this.deps;
    const rec = await certificates.getBySerial(db, normalised);
    if (!rec) throw new AppError('not_found', `no certificate with serial ${serial}`);
    if (!rec.revokedAt) await certificates.revokeBySerial(db, normalised, reason, this.now());
    return (await certificates.getBySerial(db, normalised))!;
  }

  listCertificates(filter: CertificateFilter = {}): Promise<CertificateRecord[]> {
    return this.deps.certificates.list(this.deps.db, filter);
  }

  getCertificateByFingerprint(fingerprint: string): Promise<CertificateRecord | null> {
    return this.deps.certificates.getByFingerprint(this.deps.db, fingerprint.toLowerCase());
  }

  private async consumeChallenge(tx: Tx, challenge: string): Promise<IssueTarget | null> {
    const c = await this.deps.challenges.consume(tx, hashChallenge(challenge), this.now());
    if (!c) return null;
    const { deviceId, ...placement } = c;
    return { placement, deviceId };
  }

  /**
   * A device identity from a verified CSR: the key from the CSR, everything else from policy. The
   * subject is Slate's own (CN slate-device-<record id>, O from CA_ORGANIZATION), never copied from
   * the CSR, which anyone with a challenge writes; requested extensions are never copied either.
   */
  issueDeviceCertificate(tx: Tx, csr: ParsedCsr, target: IssueTarget): Promise<Buffer> {
    const id = randomUUID();
    const subject = buildName({ commonName: `slate-device-${id}`, organization: this.deps.config.organization });
    return this.issue(tx, 'device', { id, subject, spki: csr.spki, validityMs: this.deps.config.deviceCertValidityMs, now: this.now() }, target.placement, target.deviceId);
  }

  async issue(
    tx: Tx, kind: CertificateKind, t: { id?: string; subject: Buffer; spki: Buffer; validityMs: number; now: Date; subjectAltNames?: { dns: string[]; ip: string[] } },
    placement: Partial<ChallengePlacement>, deviceId: string | null,
  ): Promise<Buffer> {
    const ca = certificateParts(this.deps.ca.cert);
    const caNotAfter = new Date(parseCertificate(this.deps.ca.cert).validTo);
    // Backdated a minute for device clocks; never beyond the CA's own expiry (RFC 5280 §6.1.3).
    const notBefore = new Date(t.now.getTime() - 60_000);
    const notAfter = new Date(Math.min(t.now.getTime() + t.validityMs, caNotAfter.getTime()));
    const serial = randomSerial();
    const der = issueCertificate(
      {
        serial, subject: t.subject, issuer: ca.subject, notBefore, notAfter, subjectPublicKey: t.spki, issuerPublicKey: ca.spki, subjectAltNames: t.subjectAltNames,
        profile: kind === 'device' ? 'device' : kind === 'scep-ra' ? 'ra' : kind === 'tls-server' ? 'tls-server' : 'signing',
      },
      this.deps.ca.key,
    );
    await this.deps.certificates.insert(tx, {
      id: t.id ?? randomUUID(), serial: serial.toString('hex'), kind, subject: oneLine(parseCertificate(der).subject), fingerprint: fingerprintOf(der), deviceId,
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
