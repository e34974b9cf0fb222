import type { Atomic, Queryable, Tx } from '../database';

export interface StaffSession {
  /** SHA-256 of the cookie value; the value itself is never stored. */
  id: string;
  staffId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute end. */
  expiresAt: Date;
  /** Last passkey assertion in this session (sign-in or step-up). */
  stepUpAt: Date | null;
  ip: string | null;
  revokedAt: Date | null;
}

export interface StaffSessionStore {
  create(w: Atomic, s: StaffSession): Promise<void>;
  get(q: Queryable, id: string): Promise<StaffSession | null>;
  touch(w: Atomic, id: string, at: Date): Promise<void>;
  markStepUp(w: Atomic, id: string, at: Date): Promise<void>;
  revoke(w: Atomic, id: string, at: Date): Promise<void>;
  revokeAllForStaff(tx: Tx, staffId: string, at: Date): Promise<number>;
  prune(w: Atomic, before: Date): Promise<number>;
}
