import type { Executor } from '../sql';
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

export interface AppleDeviceStore {
  authContext(udid: string): Promise<AppleAuthContext | null>;
  connectContext(fingerprint: string): Promise<ConnectContext>;
  get(deviceId: string): Promise<AppleDevice | null>;
  getByUdid(udid: string): Promise<AppleDevice | null>;
  /** Creates or replaces the Apple record of a device at Authenticate (tokens from an earlier enrolment are dropped). */
  upsertAuthenticated(rec: { deviceId: string; udid: string; enrollmentTokenId: string | null; certFingerprint: string; enrolledVia: 'profile' | 'ade'; topic: string | null; at: Date }, ex?: Executor): Promise<void>;
  updateToken(deviceId: string, t: { topic: string; pushToken: string; pushMagic: string; unlockTokenSealed?: string | null; awaitingConfiguration: boolean; at: Date }): Promise<void>;
  setBootstrapToken(deviceId: string, sealed: string | null): Promise<void>;
  markCheckedOut(deviceId: string, at: Date, ex?: Executor): Promise<void>;
  pushTargets(deviceIds: readonly string[]): Promise<PushTarget[]>;
  /**
   * Marks the push token APNs refused as invalid. Only when the device still holds that token: a
   * TokenUpdate that replaced it meanwhile must not be undone by a late answer about the old one.
   */
  markTokenInvalid(deviceId: string, at: Date, token: string): Promise<boolean>;
}
