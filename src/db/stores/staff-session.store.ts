import type { Atomic, Queryable, Tx } from '../database';
import type { OrgUnit } from './org.store';
import type { StaffMember } from './staff.store';

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
  /** The session with its member and their scope unit, in one query (every request with a cookie asks this). */
  getWithStaff(q: Queryable, id: string): Promise<{ session: StaffSession; staff: StaffMember; unit: OrgUnit } | null>;
  touch(w: Atomic, id: string, at: Date): Promise<void>;
  markStepUp(w: Atomic, id: string, at: Date): Promise<void>;
  revoke(w: Atomic, id: string, at: Date): Promise<void>;
  revokeAllForStaff(tx: Tx, staffId: string, at: Date): Promise<number>;
  prune(w: Atomic, before: Date): Promise<number>;
}
