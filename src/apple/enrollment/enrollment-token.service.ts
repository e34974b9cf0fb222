import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { EnrollmentToken, EnrollmentTokenStore } from '../../db/stores';
import { AppError } from '../../errors';
import type { OrgService } from '../../fleet/org.service';
import { classCodeOf } from '../../fleet/org-file';

export interface CreateEnrollmentToken {
  schoolCode: string;
  gradeLevel: number;
  className?: string;
  ttlMs?: number;
  maxUses?: number;
  label?: string;
  createdBy?: string;
}

export interface IssuedEnrollmentToken {
  /** Shown once: only its hash is stored. */
  token: string;
  url: string;
  record: EnrollmentToken;
}

/** `details` lets each caller name the input its user typed (the CLI's `--max-uses`). */
const invalidField = (field: keyof CreateEnrollmentToken, problem: string) =>
  new AppError('validation_failed', `${field}: ${problem}`, { details: { field, problem } });

export const hashEnrollmentToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Enrolment links per school and grade (optionally class). An iPad that opens one gets a profile
 * whose SCEP challenge carries the same placement, so it lands in the right school by itself.
 */
export class EnrollmentTokenService {
  constructor(
    private readonly store: EnrollmentTokenStore,
    private readonly org: OrgService,
    private readonly config: Pick<Config, 'publicUrl'> & { apple: Pick<Config['apple'], 'enrollTokenTtlMs'> },
  ) {}

  async create(req: CreateEnrollmentToken, now = new Date()): Promise<IssuedEnrollmentToken> {
    const { school, grade } = await this.org.requireGrade(req.schoolCode, req.gradeLevel);
    let classId: string | null = null;
    if (req.className !== undefined) {
      const cls = await this.org.requireByCode(classCodeOf(school.code, req.className), 'class');
      if (cls.parentId !== grade.id) throw new AppError('org_unit_unknown', `class ${req.className} is not in grade ${req.gradeLevel} of ${school.code}`);
      classId = cls.id;
    }
    const ttl = req.ttlMs ?? this.config.apple.enrollTokenTtlMs;
    if (ttl <= 0 || ttl > 366 * 86_400_000) throw invalidField('ttlMs', 'must be between 1 second and 366 days');
    if (req.maxUses !== undefined && (!Number.isInteger(req.maxUses) || req.maxUses < 1)) throw invalidField('maxUses', 'must be a positive integer');
    const token = randomBytes(24).toString('base64url');
    const record: EnrollmentToken = {
      id: randomUUID(), platform: 'apple', schoolId: school.id, gradeId: grade.id, classId,
      label: req.label ?? `${school.code} grade ${req.gradeLevel}${req.className ? ` class ${req.className}` : ''}`,
      expiresAt: new Date(now.getTime() + ttl), revokedAt: null, uses: 0, maxUses: req.maxUses ?? null, lastUsedAt: null,
      createdBy: req.createdBy ?? null, createdAt: now,
    };
    await this.store.create(record, hashEnrollmentToken(token));
    return { token, url: `${this.config.publicUrl}/enroll/${token}`, record };
  }

  /**
   * Checks a token from a URL and counts one use. Unknown tokens and spent ones answer alike
   * (`enrollment_token_invalid`) so the endpoint does not tell a guesser which tokens exist.
   */
  async redeem(token: string, now = new Date()): Promise<EnrollmentToken> {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) throw invalid();
    const record = await this.store.findByHash(hashEnrollmentToken(token));
    if (!record || !(await this.store.consume(record.id, now))) throw invalid();
    return { ...record, uses: record.uses + 1, lastUsedAt: now };
  }

  async revoke(id: string, now = new Date()): Promise<void> {
    const existing = await this.store.get(id);
    if (!existing) throw new AppError('not_found', `no enrolment token ${id}`);
    await this.store.revoke(id, now);
  }

  list(filter: { schoolIds?: readonly string[]; includeInactive?: boolean } = {}): Promise<EnrollmentToken[]> {
    return this.store.list(filter);
  }
}

function invalid(): AppError {
  return new AppError('enrollment_token_invalid', 'enrolment link is unknown, expired, revoked or used up');
}
