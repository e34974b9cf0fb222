import type { CertificateAuthority } from '../../ca/certificate-authority';
import type { Db, Tx } from '../../db/database';
import type { EnrollmentToken, OrgStore } from '../../db/stores';
import { AppError } from '../../errors';
import type { EnrollmentProfileOptions } from '../protocol/enrollment-profile';
import type { EnrollmentTokenService } from './enrollment-token.service';

export interface EnrollmentServiceDeps {
  db: Db;
  tokens: EnrollmentTokenService;
  orgUnits: OrgStore;
  ca: Pick<CertificateAuthority, 'createChallenge' | 'caCertificateDer' | 'signProfile'>;
  buildProfile(opts: EnrollmentProfileOptions): Buffer;
  /** The APNs topic of the current push certificate, or null when none is configured. */
  pushTopic(): string | null;
  publicUrl: string;
  organization: string;
}

/** Where a profile places the device: from a link, or the device's own placement (renewal). */
interface ProfileTarget {
  schoolId: string;
  gradeId: string;
  classId: string | null;
  enrollmentTokenId: string | null;
  /** Renewal: the certificate the profile's challenge admits belongs to this device. */
  deviceId?: string;
  challengeTtlMs?: number;
}

/**
 * The enrolment profile (.mobileconfig): for a link an iPad opens (/enroll/:token), and for the
 * renewal of an enrolled device's identity (re-sent through InstallProfile before it expires). Its
 * MDM payload keeps the same identifier, so installing it replaces the enrolment instead of adding one.
 */
export class EnrollmentService {
  constructor(private readonly deps: EnrollmentServiceDeps) {}

  /**
   * The profile for a link: counts one use and creates its one-time challenge in one transaction.
   * Checked before anything is counted: without a push certificate or an HTTPS URL a device would
   * enrol but never be reachable (503).
   */
  async forLink(token: string): Promise<Buffer> {
    const endpoints = this.endpoints();
    return this.deps.db.transaction(async (tx) => {
      const link: EnrollmentToken = await this.deps.tokens.redeem(tx, token);
      return this.build(tx, endpoints, { schoolId: link.schoolId, gradeId: link.gradeId, classId: link.classId, enrollmentTokenId: link.id });
    });
  }

  /** A signed renewal profile for an enrolled device, in the caller's transaction. */
  async forRenewal(tx: Tx, target: Required<Pick<ProfileTarget, 'deviceId' | 'challengeTtlMs'>> & Omit<ProfileTarget, 'deviceId' | 'challengeTtlMs'>): Promise<Buffer> {
    return this.deps.ca.signProfile(await this.build(tx, this.endpoints(), target));
  }

  sign(profile: Buffer): Buffer {
    return this.deps.ca.signProfile(profile);
  }

  /** The push topic and public base an enrolment needs; enrollment_unavailable (503) without them. */
  endpoints(): { topic: string; base: string } {
    const topic = this.deps.pushTopic();
    if (!topic) throw new AppError('enrollment_unavailable', 'no APNs push certificate configured (slate apns set-cert)', { expose: true });
    const base = this.deps.publicUrl;
    // iPads only talk MDM over HTTPS: put a TLS proxy in front (or TLS_CERT_FILE) and say so in PUBLIC_URL.
    if (!base.startsWith('https://')) throw new AppError('enrollment_unavailable', `PUBLIC_URL must be an https:// URL for iPads to enrol (is ${base})`, { expose: true });
    return { topic, base };
  }

  private async build(tx: Tx, { topic, base }: { topic: string; base: string }, t: ProfileTarget): Promise<Buffer> {
    const school = await this.deps.orgUnits.getById(tx, t.schoolId);
    const { challenge } = await this.deps.ca.createChallenge(tx, {
      schoolId: t.schoolId, gradeId: t.gradeId, classId: t.classId, enrollmentTokenId: t.enrollmentTokenId, deviceId: t.deviceId ?? null, ttlMs: t.challengeTtlMs,
    });
    return this.deps.buildProfile({
      // One identifier per server: a renewal (or a second link) replaces the enrolment it installed.
      identifier: `${new URL(base).hostname.split('.').reverse().join('.')}.slate.enroll`,
      displayName: `Slate MDM${school ? ` – ${school.name}` : ''}`,
      organization: this.deps.organization,
      description: 'Enrols this tablet in the school authority\'s device management.',
      // The subject the device asks for is Slate's to decide (the CA writes its own); this one only names the request.
      scep: { url: `${base}/scep`, challenge, subjectCommonName: 'slate-device' },
      mdm: { topic, serverUrl: `${base}/mdm/connect`, checkInUrl: `${base}/mdm/checkin` },
      rootCaDer: this.deps.ca.caCertificateDer(),
    });
  }
}
