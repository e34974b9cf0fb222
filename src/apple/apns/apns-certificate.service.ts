import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../../crypto/secret-box';
import type { Db } from '../../db/database';
import type { ApnsCertificateStore } from '../../db/stores';
import { AppError } from '../../errors';
import type { Logger } from '../../log/logger';
import type { PushCredentials } from './apns-client';
import { parsePushCertificate, readPushCertificateInfo, type PushCertificateInfo, type PushCertificateInput } from './push-certificate';

/** What staff and the enrolment profile need to know about the push certificate in use. */
export interface PushCertificateSummary extends PushCertificateInfo {
  uploadedAt: Date;
  daysLeft: number;
}

interface Loaded {
  summary: PushCertificateSummary;
  creds: PushCredentials;
}

const DAY = 86_400_000;

/**
 * The APNs push certificate: upload (validated, key sealed), and a cached view that the enrolment
 * profile (topic) and the push dispatcher (credentials) read synchronously. `refresh` picks up a
 * certificate uploaded by another process; it runs on every dispatcher round.
 */
export class ApnsCertificateService {
  private loaded: Loaded | null = null;
  private lastExpiryWarning = 0;

  constructor(
    private readonly deps: {
      db: Db;
      store: ApnsCertificateStore;
      secrets: SecretBox;
      logger: Logger;
      /** Warn in the log when fewer days than this are left (Apple certificates last a year). */
      warnDays?: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Validates and stores a certificate as the one in use. */
  async set(input: PushCertificateInput & { allowTopicChange?: boolean }): Promise<PushCertificateSummary> {
    const parsed = parsePushCertificate(input, this.now());
    const previous = this.loaded?.summary ?? (await this.refresh(), this.loaded?.summary);
    if (previous && previous.topic !== parsed.topic && !input.allowTopicChange) {
      // Enrolled devices only accept pushes for the topic they enrolled with: a new topic strands all of them.
      throw new AppError('push_certificate_invalid',
        `the certificate is for topic ${parsed.topic}, but devices are enrolled with ${previous.topic}; renew the existing certificate at identity.apple.com instead (or force a new topic: every device must enrol again)`);
    }
    const uploadedAt = this.now();
    await this.deps.db.transaction((tx) => this.deps.store.activate(tx, {
      id: randomUUID(), topic: parsed.topic, certPem: parsed.certPem, keySealed: this.deps.secrets.seal('push-key', parsed.keyPem),
      notAfter: parsed.notAfter, fingerprint: parsed.fingerprint, uploadedAt,
    }));
    this.use({ summary: this.summarise(parsed, uploadedAt), creds: { topic: parsed.topic, certPem: parsed.certPem, keyPem: parsed.keyPem, fingerprint: parsed.fingerprint } });
    this.deps.logger.info({ topic: parsed.topic, notAfter: parsed.notAfter, fingerprint: parsed.fingerprint }, 'APNs push certificate set');
    return this.loaded!.summary;
  }

  /** The certificate in use, or null; from the cache (see `refresh`). */
  current(): PushCertificateSummary | null {
    if (!this.loaded) return null;
    return { ...this.loaded.summary, daysLeft: this.daysLeft(this.loaded.summary.notAfter) };
  }

  /** Certificate and key for the sender; null when none is configured. */
  credentials(): PushCredentials | null {
    return this.loaded?.creds ?? null;
  }

  /** Re-reads the active certificate from the database; true when it changed. */
  async refresh(): Promise<boolean> {
    const rec = await this.deps.store.active(this.deps.db);
    if (!rec) {
      const changed = this.loaded !== null;
      this.loaded = null;
      return changed;
    }
    if (this.loaded?.summary.fingerprint === rec.fingerprint) {
      this.warnIfExpiring();
      return false;
    }
    const keyPem = this.deps.secrets.open('push-key', rec.keySealed).toString('utf8');
    const info = readPushCertificateInfo(rec.certPem);
    this.use({ summary: this.summarise(info, rec.uploadedAt), creds: { topic: rec.topic, certPem: rec.certPem, keyPem, fingerprint: rec.fingerprint } });
    return true;
  }

  private use(l: Loaded): void {
    this.loaded = l;
    this.lastExpiryWarning = 0;
    this.warnIfExpiring();
  }

  private warnIfExpiring(): void {
    const s = this.loaded?.summary;
    if (!s) return;
    const now = this.now().getTime();
    const daysLeft = this.daysLeft(s.notAfter);
    if (daysLeft >= (this.deps.warnDays ?? 30) || now - this.lastExpiryWarning < DAY) return;
    this.lastExpiryWarning = now;
    this.deps.logger.warn({ topic: s.topic, notAfter: s.notAfter, daysLeft },
      daysLeft <= 0 ? 'APNs push certificate has EXPIRED: devices cannot be woken; renew it at identity.apple.com'
        : 'APNs push certificate expires soon: renew it at identity.apple.com (same Apple ID, same topic)');
  }

  private daysLeft(notAfter: Date): number {
    return Math.floor((notAfter.getTime() - this.now().getTime()) / DAY);
  }

  private summarise(info: PushCertificateInfo, uploadedAt: Date): PushCertificateSummary {
    const { topic, fingerprint, subject, issuer, notBefore, notAfter } = info;
    return { topic, fingerprint, subject, issuer, notBefore, notAfter, uploadedAt, daysLeft: this.daysLeft(notAfter) };
  }
}
