import type { Atomic, Queryable, Tx } from '../database';
import type { Scope } from './scope';

export interface StaffMember {
  id: string;
  email: string;
  displayName: string;
  role: string;
  scopeUnitId: string;
  /** WebAuthn user handle (random, not the email: authenticators may show or sync it). */
  webauthnUserId: string;
  createdBy: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface StaffInvite {
  id: string;
  email: string;
  role: string;
  scopeUnitId: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  staffId: string | null;
}

/** Staff and their invites. Lists take the reader's scope: staff scoped inside it. */
export interface StaffStore {
  create(tx: Tx, s: StaffMember): Promise<void>;
  get(q: Queryable, id: string): Promise<StaffMember | null>;
  getByEmail(q: Queryable, email: string): Promise<StaffMember | null>;
  getByWebauthnUserId(q: Queryable, userId: string): Promise<StaffMember | null>;
  /** The member if their scope unit lies inside `scope`. */
  getInScope(q: Queryable, scope: Scope, id: string): Promise<StaffMember | null>;
  list(q: Queryable, scope: Scope): Promise<StaffMember[]>;
  disable(tx: Tx, id: string, at: Date): Promise<boolean>;
  /** Active staff with this role (the first administrator check). */
  countActive(q: Queryable, role: string): Promise<number>;
  createInvite(w: Atomic, invite: StaffInvite, tokenHash: string): Promise<void>;
  getInviteByHash(q: Queryable, tokenHash: string): Promise<StaffInvite | null>;
  /** Marks an unexpired, unused invite used; false when someone else was first. */
  consumeInvite(tx: Tx, id: string, staffId: string, now: Date): Promise<boolean>;
}
