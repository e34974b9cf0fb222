import type { Atomic, Queryable, Tx } from '../database';
import type { Platform } from '../entities';

export interface EnrollmentToken {
  id: string;
  platform: Platform;
  schoolId: string;
  gradeId: string;
  classId: string | null;
  label: string | null;
  expiresAt: Date;
  revokedAt: Date | null;
  uses: number;
  maxUses: number | null;
  lastUsedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
}

export type NewEnrollmentToken = Omit<EnrollmentToken, 'uses' | 'lastUsedAt' | 'revokedAt'>;

/** Enrolment links. Only the SHA-256 of a token is stored; the token itself is shown once. */
export interface EnrollmentTokenStore {
  create(w: Atomic, token: NewEnrollmentToken, tokenHash: string): Promise<void>;
  get(q: Queryable, id: string): Promise<EnrollmentToken | null>;
  findByHash(q: Queryable, tokenHash: string): Promise<EnrollmentToken | null>;
  /** Counts one use if the token is still valid at `now`; false when expired, revoked or used up. */
  consume(w: Atomic, id: string, now: Date): Promise<boolean>;
  revoke(tx: Tx, id: string, now: Date): Promise<boolean>;
  list(q: Queryable, filter?: { schoolIds?: readonly string[]; includeInactive?: boolean; now?: Date }): Promise<EnrollmentToken[]>;
}
