import { readBool, readDate } from '../columns';
import { placeholders, type Atomic, type Queryable, type Tx } from '../database';
import type { ChallengePurpose, Passkey, PasskeyStore, WebauthnChallenge } from './passkey.store';

const COLS = 'id, staff_id, public_key, counter, transports, name, device_type, backed_up, created_at, last_used_at';
const CHALLENGE = 'id, challenge, purpose, staff_id, invite_id, expires_at';

export class SqlPasskeyStore implements PasskeyStore {
  async create(tx: Tx, p: Passkey): Promise<void> {
    await tx.run(`INSERT INTO passkeys (${COLS}) VALUES (${placeholders(10)})`, [
      p.id, p.staffId, p.publicKey, p.counter, p.transports.join(',') || null, p.name, p.deviceType, p.backedUp, p.createdAt, p.lastUsedAt,
    ]);
  }

  async get(q: Queryable, id: string): Promise<Passkey | null> {
    const r = await q.one(`SELECT ${COLS} FROM passkeys WHERE id = ?`, [id]);
    return r ? toPasskey(r) : null;
  }

  async listForStaff(q: Queryable, staffId: string): Promise<Passkey[]> {
    return (await q.rows(`SELECT ${COLS} FROM passkeys WHERE staff_id = ? ORDER BY created_at`, [staffId])).map(toPasskey);
  }

  async recordUse(tx: Tx, id: string, expected: number, next: number, at: Date): Promise<boolean> {
    const r = await tx.run('UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ? AND counter = ?', [next, at, id, expected]);
    return r.affected > 0;
  }

  async remove(tx: Tx, staffId: string, id: string): Promise<boolean> {
    return (await tx.run('DELETE FROM passkeys WHERE id = ? AND staff_id = ?', [id, staffId])).affected > 0;
  }

  async createChallenge(w: Atomic, c: WebauthnChallenge): Promise<void> {
    await w.run(`INSERT INTO webauthn_challenges (${CHALLENGE}, used_at) VALUES (${placeholders(7)})`,
      [c.id, c.challenge, c.purpose, c.staffId, c.inviteId, c.expiresAt, null]);
  }

  async consumeChallenge(w: Atomic, id: string, purpose: ChallengePurpose, now: Date): Promise<WebauthnChallenge | null> {
    const r = await w.rows(
      `UPDATE webauthn_challenges SET used_at = ? WHERE id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? RETURNING ${CHALLENGE}`,
      [now, id, purpose, now]);
    const row = r[0];
    if (!row) return null;
    return {
      id: String(row.id), challenge: String(row.challenge), purpose: row.purpose as ChallengePurpose, staffId: (row.staff_id as string | null) ?? null,
      inviteId: (row.invite_id as string | null) ?? null, expiresAt: readDate(row.expires_at)!,
    };
  }

  async pruneChallenges(w: Atomic, before: Date): Promise<number> {
    return (await w.run('DELETE FROM webauthn_challenges WHERE expires_at < ?', [before])).affected;
  }
}

function toPasskey(r: Record<string, unknown>): Passkey {
  return {
    id: String(r.id), staffId: String(r.staff_id), publicKey: String(r.public_key), counter: Number(r.counter),
    transports: r.transports ? String(r.transports).split(',') : [], name: String(r.name), deviceType: String(r.device_type),
    backedUp: readBool(r.backed_up), createdAt: readDate(r.created_at)!, lastUsedAt: readDate(r.last_used_at),
  };
}
