import type { Atomic, Queryable, Tx } from '../database';

export interface Passkey {
  /** Credential ID, base64url. */
  id: string;
  staffId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  deviceType: string;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type ChallengePurpose = 'register' | 'sign-in' | 'step-up';

export interface WebauthnChallenge {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  staffId: string | null;
  inviteId: string | null;
  expiresAt: Date;
}

/** Passkeys per member of staff, and the server-side WebAuthn challenges (expiring, single use). */
export interface PasskeyStore {
  create(tx: Tx, p: Passkey): Promise<void>;
  get(q: Queryable, id: string): Promise<Passkey | null>;
  listForStaff(q: Queryable, staffId: string): Promise<Passkey[]>;
  /**
   * Records a use: moves the signature counter forward only if it still holds `expected` (or both
   * are 0: authenticators without a counter), so two replays of one assertion cannot both pass.
   */
  recordUse(tx: Tx, id: string, expected: number, next: number, at: Date): Promise<boolean>;
  remove(tx: Tx, staffId: string, id: string): Promise<boolean>;
  createChallenge(w: Atomic, c: WebauthnChallenge): Promise<void>;
  /** Marks the challenge used if it is unused, unexpired and of this purpose; returns it, else null. */
  consumeChallenge(w: Atomic, id: string, purpose: ChallengePurpose, now: Date): Promise<WebauthnChallenge | null>;
  pruneChallenges(w: Atomic, before: Date): Promise<number>;
}
