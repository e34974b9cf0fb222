import type { ErrorCode } from '../../errors';

/**
 * The binding rules (docs/security.md, "Device identity and binding"), decided here and nowhere
 * else. Input is what the Authenticate transaction read under lock; the decision is pure.
 *
 * A certificate is bound to exactly one device, at its first Authenticate. Anyone holding an
 * enrolment link can get a certificate, so a new certificate may claim an already enrolled UDID
 * only when that device's previous enrolment has ended (CheckOut, wipe, staff release, or its
 * identity revoked or expired); a certificate already belonging to the device (its own, or a renewal
 * issued for it) proves the device itself. A certificate from a link can only enrol into that link's
 * school and grade, and a re-enrolment never moves a device by itself.
 */
export interface AuthenticateFacts {
  certificate: {
    fingerprint: string;
    /** The device it is bound to, or was issued for (renewal); null when unused. */
    deviceId: string | null;
    schoolId: string | null;
    gradeId: string | null;
    /** The enrolment link it came from has been revoked. */
    linkRevoked: boolean;
  };
  /** The device with the message's UDID, if Slate knows it. */
  device: { id: string; state: string; schoolId: string | null; gradeId: string | null } | null;
  /** That device's Apple enrolment: its current identity and whether it checked out. */
  enrolment: { certFingerprint: string | null; checkedOutAt: Date | null } | null;
  /** The record of that current identity. */
  current: { revoked: boolean; expired: boolean } | null;
}

export type BindingDecision =
  /** An unknown UDID: create the device in the certificate's placement. */
  | { kind: 'new-device' }
  /** The device's own identity (or its renewal) re-authenticating. */
  | { kind: 'same-device' }
  /** An unused certificate takes over a device whose enrolment ended; `place` when it has no placement. */
  | { kind: 'claim'; place: boolean }
  | { kind: 'refuse'; code: ErrorCode; reason: string; alert: boolean };

export function decideAuthenticate(f: AuthenticateFacts): BindingDecision {
  const { certificate: cert, device } = f;
  if (cert.deviceId !== null) {
    if (device && cert.deviceId === device.id) return { kind: 'same-device' };
    return { kind: 'refuse', code: 'certificate_bound_elsewhere', reason: 'certificate belongs to another device', alert: true };
  }
  if (cert.linkRevoked) return { kind: 'refuse', code: 'enrollment_token_invalid', reason: 'the certificate\'s enrolment link was revoked', alert: false };
  if (!cert.schoolId || !cert.gradeId) return { kind: 'refuse', code: 'device_auth_failed', reason: 'certificate carries no placement', alert: false };
  if (!device) return { kind: 'new-device' };
  if (device.state === 'retired') return { kind: 'refuse', code: 'device_auth_failed', reason: 'device retired', alert: false };
  if (enrolmentLive(f)) {
    return { kind: 'refuse', code: 'device_auth_failed', reason: 'device is enrolled with another live identity', alert: true };
  }
  if (device.schoolId === null) return { kind: 'claim', place: true };
  if (device.schoolId !== cert.schoolId || device.gradeId !== cert.gradeId) {
    return { kind: 'refuse', code: 'device_auth_failed', reason: 'link is for another school or grade than the device\'s (move or release the device first)', alert: true };
  }
  return { kind: 'claim', place: false };
}

/** The device still has an identity that could talk to Slate. */
function enrolmentLive(f: AuthenticateFacts): boolean {
  const e = f.enrolment;
  if (!e || e.checkedOutAt !== null || e.certFingerprint === null) return false;
  if (f.device?.state === 'wiped') return false;
  return f.current !== null && !f.current.revoked && !f.current.expired;
}
