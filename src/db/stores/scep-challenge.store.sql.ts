import type { Sql } from '../sql';
import type { ChallengePlacement, NewScepChallenge, ScepChallengeStore } from './scep-challenge.store';

export class SqlScepChallengeStore implements ScepChallengeStore {
  constructor(private readonly sql: Sql) {}

  async create(c: NewScepChallenge, challengeHash: string): Promise<void> {
    await this.sql.run(
      `INSERT INTO scep_challenges (id, challenge_hash, school_id, grade_id, class_id, enrollment_token_id, expires_at, used_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      [c.id, challengeHash, c.schoolId, c.gradeId, c.classId, c.enrollmentTokenId, c.expiresAt, c.createdAt]);
  }

  async consume(challengeHash: string, now: Date): Promise<ChallengePlacement | null> {
    return this.sql.transaction(async (ex) => {
      // The conditional UPDATE is the gate: of two concurrent uses exactly one sees affected = 1.
      const r = await this.sql.run(
        `UPDATE scep_challenges SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL AND expires_at > ?`, [now, challengeHash, now], ex);
      if (r.affected !== 1) return null;
      const row = await this.sql.one(`SELECT school_id, grade_id, class_id, enrollment_token_id FROM scep_challenges WHERE challenge_hash = ?`, [challengeHash], ex);
      if (!row) return null;
      return {
        schoolId: String(row.school_id),
        gradeId: String(row.grade_id),
        classId: row.class_id === null || row.class_id === undefined ? null : String(row.class_id),
        enrollmentTokenId: row.enrollment_token_id === null || row.enrollment_token_id === undefined ? null : String(row.enrollment_token_id),
      };
    });
  }

  async prune(before: Date): Promise<number> {
    return (await this.sql.run(`DELETE FROM scep_challenges WHERE expires_at < ?`, [before])).affected;
  }
}
