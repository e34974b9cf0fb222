import { decideAuthenticate, type AuthenticateFacts } from '../../../../src/apple/device-auth/binding-rules';

/** The binding rules of docs/security.md, one case each. */
describe('decideAuthenticate', () => {
  const cert = { fingerprint: 'new', deviceId: null, schoolId: 'school-a', gradeId: 'grade-3', linkRevoked: false };
  const device = { id: 'dev-1', state: 'enrolled', schoolId: 'school-a', gradeId: 'grade-3' };
  const live = { certFingerprint: 'old', checkedOutAt: null };
  const current = { revoked: false, expired: false };
  const decide = (f: Partial<AuthenticateFacts>) => decideAuthenticate({ certificate: cert, device: null, enrolment: null, current: null, ...f });

  it('creates an unknown UDID in the certificate\'s placement', () => {
    expect(decide({})).toEqual({ kind: 'new-device' });
  });

  it('lets the device\'s own identity, or a renewal issued for it, authenticate again', () => {
    expect(decide({ certificate: { ...cert, deviceId: 'dev-1' }, device, enrolment: live, current })).toEqual({ kind: 'same-device' });
  });

  it('refuses a certificate that belongs to another device, with an alert', () => {
    expect(decide({ certificate: { ...cert, deviceId: 'dev-2' }, device, enrolment: live, current })).toMatchObject({ kind: 'refuse', code: 'certificate_bound_elsewhere', alert: true });
    expect(decide({ certificate: { ...cert, deviceId: 'dev-2' } })).toMatchObject({ kind: 'refuse', code: 'certificate_bound_elsewhere' });
  });

  it('refuses an unused certificate claiming a device whose enrolment is live, with an alert', () => {
    expect(decide({ device, enrolment: live, current })).toMatchObject({ kind: 'refuse', code: 'device_auth_failed', alert: true });
    // Also a lost device: losing it is exactly when someone else would like to enrol it.
    expect(decide({ device: { ...device, state: 'lost' }, enrolment: live, current })).toMatchObject({ kind: 'refuse', alert: true });
  });

  it('lets an unused certificate claim a device whose enrolment ended: CheckOut, wipe, release, revoked or expired identity', () => {
    const ended: Partial<AuthenticateFacts>[] = [
      { enrolment: { certFingerprint: null, checkedOutAt: new Date() }, current: null },
      { enrolment: { certFingerprint: 'old', checkedOutAt: new Date() }, current },
      { device: { ...device, state: 'wiped' }, enrolment: live, current },
      { enrolment: live, current: { revoked: true, expired: false } },
      { enrolment: live, current: { revoked: false, expired: true } },
      { enrolment: live, current: null },
      { enrolment: null },
    ];
    for (const f of ended) expect(decide({ device, ...f })).toEqual({ kind: 'claim', place: false });
  });

  it('never moves a device by itself: a link for another school or grade is refused; a released (unplaced) device takes the link\'s place', () => {
    const ended = { enrolment: { certFingerprint: null, checkedOutAt: new Date() } };
    expect(decide({ device: { ...device, schoolId: 'school-b' }, ...ended })).toMatchObject({ kind: 'refuse', alert: true });
    expect(decide({ device: { ...device, gradeId: 'grade-4' }, ...ended })).toMatchObject({ kind: 'refuse', alert: true });
    expect(decide({ device: { ...device, schoolId: null, gradeId: null }, ...ended })).toEqual({ kind: 'claim', place: true });
  });

  it('refuses a retired device, a certificate from a revoked link, and one without placement', () => {
    expect(decide({ device: { ...device, state: 'retired' }, enrolment: { certFingerprint: null, checkedOutAt: new Date() } })).toMatchObject({ kind: 'refuse', reason: 'device retired' });
    expect(decide({ certificate: { ...cert, linkRevoked: true } })).toMatchObject({ kind: 'refuse', code: 'enrollment_token_invalid' });
    expect(decide({ certificate: { ...cert, schoolId: null } })).toMatchObject({ kind: 'refuse', code: 'device_auth_failed' });
  });
});
