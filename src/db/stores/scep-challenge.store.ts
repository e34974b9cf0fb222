/** Where a challenge places the device it admits (from the enrolment link). */
export interface ChallengePlacement {
  schoolId: string;
  gradeId: string;
  classId: string | null;
  enrollmentTokenId: string | null;
}

export interface NewScepChallenge extends ChallengePlacement {
  id: string;
  expiresAt: Date;
  createdAt: Date;
}

/** One-time SCEP challenges; only their SHA-256 is stored. */
export interface ScepChallengeStore {
  create(challenge: NewScepChallenge, challengeHash: string): Promise<void>;
  /** Marks the challenge used if it is unused and unexpired at `now`; returns its placement, else null. */
  consume(challengeHash: string, now: Date): Promise<ChallengePlacement | null>;
  /** Deletes challenges that expired before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}
