import { readDate } from '../columns';
import type { Atomic, Queryable, Tx } from '../database';
import type { ChallengeTarget, NewScepChallenge, ScepChallengeStore } from './scep-challenge.store';

export class SqlScepChallengeStore implements ScepChallengeStore {
  async create(w: Atomic, c: NewScepChallenge, challengeHash: string): Promise<void> {
    await w.run(
      `INSERT INTO scep_challenges (id, challenge_hash, school_id, grade_id, class_id, enrollment_token_id, device_id, expires_at, used_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
      [c.id, challengeHash, c.schoolId, c.gradeId, c.classId, c.enrollmentTokenId, c.deviceId, c.expiresAt, c.createdAt]);
  }

  async consume(tx: Tx, challengeHash: string, now: Date): Promise<ChallengeTarget | null> {
    // The conditional UPDATE is the gate: of two concurrent uses exactly one sees a row. A challenge
    // of a revoked link is void even if the revocation's own sweep has not reached it.
    const row = await tx.one(
      `UPDATE scep_challenges SET used_at = ? WHERE challenge_hash = ? AND used_at IS NULL AND expires_at > ?
         AND (enrollment_token_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM enrollment_tokens t WHERE t.id = scep_challenges.enrollment_token_id AND t.revoked_at IS NOT NULL))
       RETURNING school_id, grade_id, class_id, enrollment_token_id, device_id`, [now, challengeHash, now]);
    if (!row) return null;
    const opt = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return {
      schoolId: String(row.school_id), gradeId: String(row.grade_id), classId: opt(row.class_id), enrollmentTokenId: opt(row.enrollment_token_id),
      deviceId: opt(row.device_id),
    };
  }

  async voidForLink(w: Atomic, enrollmentTokenId: string, now: Date): Promise<number> {
    return (await w.run(`UPDATE scep_challenges SET used_at = ? WHERE enrollment_token_id = ? AND used_at IS NULL`, [now, enrollmentTokenId])).affected;
  }

  async pendingRenewal(q: Queryable, deviceId: string, now: Date): Promise<{ expiresAt: Date } | null> {
    const r = await q.one(`SELECT MAX(expires_at) AS e FROM scep_challenges WHERE device_id = ? AND used_at IS NULL AND expires_at > ?`, [deviceId, now]);
    const e = readDate(r?.e);
    return e ? { expiresAt: e } : null;
  }

  async prune(w: Atomic, before: Date): Promise<number> {
    return (await w.run(`DELETE FROM scep_challenges WHERE expires_at < ?`, [before])).affected;
  }
}
