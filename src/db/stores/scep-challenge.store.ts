import type { Atomic, Queryable, Tx } from '../database';

/** Where a challenge places the device it admits (from the enrolment link). */
export interface ChallengePlacement {
  schoolId: string;
  gradeId: string;
  classId: string | null;
  enrollmentTokenId: string | null;
}

/** A consumed challenge: where it places the device, and the device it renews (if any). */
export interface ChallengeTarget extends ChallengePlacement {
  deviceId: string | null;
}

export interface NewScepChallenge extends ChallengeTarget {
  id: string;
  expiresAt: Date;
  createdAt: Date;
}

/** One-time SCEP challenges; only their SHA-256 is stored. */
export interface ScepChallengeStore {
  create(w: Atomic, challenge: NewScepChallenge, challengeHash: string): Promise<void>;
  /**
   * Marks the challenge used if it is unused, unexpired at `now` and its enrolment link (if any) is
   * still active; returns its placement, else null. In the caller's transaction: a request that
   * fails later (the reply cannot be built) gives the challenge back by rolling back.
   */
  consume(tx: Tx, challengeHash: string, now: Date): Promise<ChallengeTarget | null>;
  /** Voids the unused challenges of an enrolment link (the link was revoked); returns how many. */
  voidForLink(w: Atomic, enrollmentTokenId: string, now: Date): Promise<number>;
  /** The device's unused renewal challenge that is still valid at `now`, if one was handed out. */
  pendingRenewal(q: Queryable, deviceId: string, now: Date): Promise<{ expiresAt: Date } | null>;
  /** Deletes challenges that expired before `before`; returns how many. */
  prune(w: Atomic, before: Date): Promise<number>;
}
