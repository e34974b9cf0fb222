import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import type { Atomic, Db, Tx } from '../../db/database';
import type { EnrollmentToken, EnrollmentTokenStore, ScepChallengeStore } from '../../db/stores';
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
    private readonly deps: {
      db: Db;
      store: EnrollmentTokenStore;
      challenges: ScepChallengeStore;
      org: OrgService;
      config: Pick<Config, 'publicUrl'> & { apple: Pick<Config['apple'], 'enrollTokenTtlMs' | 'enrollTokenMaxUses'> };
    },
  ) {}

  async create(req: CreateEnrollmentToken, now = new Date()): Promise<IssuedEnrollmentToken> {
    const issued = await this.prepare(req, now);
    await this.save(this.deps.db, issued);
    return issued;
  }

  /** Checks the request and makes the token without storing it (the admin API stores it with its audit line). */
  async prepare(req: CreateEnrollmentToken, now = new Date()): Promise<IssuedEnrollmentToken> {
    const { org, config } = this.deps;
    const { school, grade } = await org.requireGrade(req.schoolCode, req.gradeLevel);
    let classId: string | null = null;
    if (req.className !== undefined) {
      const cls = await org.requireByCode(classCodeOf(school.code, req.className), 'class');
      if (cls.parentId !== grade.id) throw new AppError('org_unit_unknown', `class ${req.className} is not in grade ${req.gradeLevel} of ${school.code}`);
      classId = cls.id;
    }
    const ttl = req.ttlMs ?? config.apple.enrollTokenTtlMs;
    if (ttl <= 0 || ttl > 366 * 86_400_000) throw invalidField('ttlMs', 'must be between 1 second and 366 days');
    if (req.maxUses !== undefined && (!Number.isInteger(req.maxUses) || req.maxUses < 0)) throw invalidField('maxUses', 'must be 0 (unlimited) or a positive integer');
    // A leaked link must not enrol without end: every link has a use limit unless 0 asks for none.
    const maxUses = req.maxUses ?? config.apple.enrollTokenMaxUses;
    const token = randomBytes(24).toString('base64url');
    const record: EnrollmentToken = {
      id: randomUUID(), platform: 'apple', schoolId: school.id, gradeId: grade.id, classId,
      label: req.label ?? `${school.code} grade ${req.gradeLevel}${req.className ? ` class ${req.className}` : ''}`,
      expiresAt: new Date(now.getTime() + ttl), revokedAt: null, uses: 0, maxUses: maxUses === 0 ? null : maxUses, lastUsedAt: null,
      createdBy: req.createdBy ?? null, createdAt: now,
    };
    return { token, url: `${config.publicUrl}/enroll/${token}`, record };
  }

  /** Stores a prepared token, in the caller's transaction if given one. */
  async save(w: Atomic, issued: IssuedEnrollmentToken): Promise<void> {
    await this.deps.store.create(w, issued.record, hashEnrollmentToken(issued.token));
  }

  /**
   * Checks a token from a URL and counts one use. Unknown tokens and spent ones answer alike
   * (`enrollment_token_invalid`) so the endpoint does not tell a guesser which tokens exist.
   */
  async redeem(w: Atomic, token: string, now = new Date()): Promise<EnrollmentToken> {
    if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) throw invalid();
    const record = await this.deps.store.findByHash(w, hashEnrollmentToken(token));
    if (!record || !(await this.deps.store.consume(w, record.id, now))) throw invalid();
    return { ...record, uses: record.uses + 1, lastUsedAt: now };
  }

  /** Revokes a link and voids the SCEP challenges it handed out that no device has used yet. */
  async revoke(id: string, now = new Date()): Promise<void> {
    await this.deps.db.transaction((tx) => this.revokeIn(tx, id, now));
  }

  async revokeIn(tx: Tx, id: string, now = new Date()): Promise<void> {
    const { store, challenges } = this.deps;
    const existing = await store.get(tx, id);
    if (!existing) throw new AppError('not_found', `no enrolment token ${id}`);
    await store.revoke(tx, id, now);
    await challenges.voidForLink(tx, id, now);
  }

  list(filter: { schoolIds?: readonly string[]; includeInactive?: boolean } = {}): Promise<EnrollmentToken[]> {
    return this.deps.store.list(this.deps.db, filter);
  }
}

function invalid(): AppError {
  return new AppError('enrollment_token_invalid', 'enrolment link is unknown, expired, revoked or used up');
}
