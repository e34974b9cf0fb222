import type { Atomic, Queryable, Tx } from '../database';
import type { DeviceState } from '../entities';
import type { CertificateRecord } from './certificate.store';

/** The Apple MDM side of a device (1:1 with `devices`). Secrets are stored sealed (SecretBox). */
export interface AppleDevice {
  deviceId: string;
  udid: string;
  enrollmentTokenId: string | null;
  /** SHA-256 (hex) of the identity certificate bound at Authenticate. */
  certFingerprint: string | null;
  topic: string | null;
  /** APNs device token, hex. */
  pushToken: string | null;
  pushMagic: string | null;
  tokenInvalidAt: Date | null;
  unlockTokenSealed: string | null;
  bootstrapTokenSealed: string | null;
  awaitingConfiguration: boolean;
  enrolledVia: 'profile' | 'ade';
  authenticatedAt: Date | null;
  tokenUpdatedAt: Date | null;
  checkedOutAt: Date | null;
}

/** What every authenticated device request needs, read in one query. */
export interface AppleAuthContext {
  deviceId: string;
  udid: string;
  state: DeviceState;
  certFingerprint: string | null;
  checkedOutAt: Date | null;
  /** Recorded with each check-in. */
  osVersion: string | null;
  buildVersion: string | null;
}

/** The command endpoint's one read per request: a device certificate's record and the device bound to it. */
export interface ConnectContext {
  certificate: CertificateRecord | null;
  /** The device whose current identity is this certificate, if any. */
  device: AppleAuthContext | null;
}

export interface PushTarget {
  deviceId: string;
  topic: string;
  /** APNs device token, hex. */
  token: string;
  pushMagic: string;
}

/** A device whose identity certificate is due for renewal, with where it is placed. */
export interface RenewalCandidate {
  deviceId: string;
  schoolId: string;
  gradeId: string;
  classId: string | null;
  enrollmentTokenId: string | null;
  notAfter: Date;
}

export interface AppleDeviceStore {
  authContext(q: Queryable, udid: string): Promise<AppleAuthContext | null>;
  connectContext(q: Queryable, fingerprint: string): Promise<ConnectContext>;
  get(q: Queryable, deviceId: string): Promise<AppleDevice | null>;
  getByUdid(q: Queryable, udid: string): Promise<AppleDevice | null>;
  /** Creates or replaces the Apple record of a device at Authenticate (tokens from an earlier enrolment are dropped). */
  upsertAuthenticated(tx: Tx, rec: { deviceId: string; udid: string; enrollmentTokenId: string | null; certFingerprint: string; enrolledVia: 'profile' | 'ade'; topic: string | null; at: Date }): Promise<void>;
  updateToken(tx: Tx, deviceId: string, t: { topic: string; pushToken: string; pushMagic: string; unlockTokenSealed?: string | null; awaitingConfiguration: boolean; at: Date }): Promise<void>;
  setBootstrapToken(w: Atomic, deviceId: string, sealed: string | null): Promise<void>;
  /** Ends the enrolment (CheckOut, wipe, release): no identity, no push token, no escrowed secrets. */
  markCheckedOut(tx: Tx, deviceId: string, at: Date): Promise<void>;
  /**
   * Moves the device's identity from one certificate to its renewal; false when the device no
   * longer holds `from` (another request rebound it first).
   */
  rebind(tx: Tx, deviceId: string, from: string, to: string): Promise<boolean>;
  pushTargets(q: Queryable, deviceIds: readonly string[]): Promise<PushTarget[]>;
  /**
   * Enrolled, reachable devices whose current identity expires before `before` and that hold no
   * unused, unexpired renewal challenge (one is on its way to them): oldest expiry first.
   */
  renewalCandidates(q: Queryable, before: Date, now: Date, limit: number): Promise<RenewalCandidate[]>;
  /**
   * Marks the push token APNs refused as invalid. Only when the device still holds that token: a
   * TokenUpdate that replaced it meanwhile must not be undone by a late answer about the old one.
   */
  markTokenInvalid(w: Atomic, deviceId: string, at: Date, token: string): Promise<boolean>;
}
