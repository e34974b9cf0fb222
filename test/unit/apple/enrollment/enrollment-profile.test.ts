import { X509Certificate } from 'node:crypto';
import { buildEnrollmentProfile, enrollmentProfilePayload, type EnrollmentProfileOptions } from '../../../../src/apple/protocol/enrollment-profile';
import { decodePlist } from '../../../../src/apple/protocol/plist';
import { AppleSchemas, profileProblems } from '../../../../src/apple/schema';
import { fixture } from '../protocol/fixture';

const schemas = new AppleSchemas();
const rootCaDer = new X509Certificate(fixture('enrollment-profiles/jessepeterson__cfgprofiles/testdata/entrust.pem')).raw;
const OPTS: EnrollmentProfileOptions = {
  identifier: 'de.saarland.slate.enroll.gs-bildstock',
  displayName: 'GS Bildstock – iPad-Verwaltung',
  organization: 'Grundschule Bildstock',
  description: 'Meldet dieses iPad bei Slate an.',
  scep: { url: 'https://mdm.example.org/scep', challenge: 'one-time-challenge-123', subjectCommonName: 'slate-enr-7f3a' },
  mdm: { topic: 'com.apple.mgmt.External.e0bd1eac-0000-4000-8000-000000000000', serverUrl: 'https://mdm.example.org/mdm/connect', checkInUrl: 'https://mdm.example.org/mdm/checkin' },
  rootCaDer,
};
type Payload = Record<string, unknown> & { PayloadContent: Record<string, unknown> };
const decode = (b: Buffer) => decodePlist(b) as { PayloadContent: Payload[] } & Record<string, unknown>;
const byType = (profile: { PayloadContent: Payload[] }, type: string) => profile.PayloadContent.find((p) => p.PayloadType === type)!;

describe('buildEnrollmentProfile', () => {
  it('conforms to Apple\'s TopLevel, com.apple.security.root/.scep and com.apple.mdm schemas', () => {
    const profile = decode(buildEnrollmentProfile(OPTS, schemas));
    expect(profileProblems(schemas, profile)).toEqual([]);
    expect(profile.PayloadContent.map((p) => p.PayloadType)).toEqual(['com.apple.security.root', 'com.apple.security.scep', 'com.apple.mdm']);
  });

  it('SCEP payload: URL, challenge, RSA 2048, key usage 5, the per-enrolment CN', () => {
    const scep = byType(decode(buildEnrollmentProfile(OPTS)), 'com.apple.security.scep').PayloadContent;
    expect(scep).toEqual({
      URL: OPTS.scep.url, Name: OPTS.identifier, Challenge: OPTS.scep.challenge, Keysize: 2048, 'Key Type': 'RSA', 'Key Usage': 5, Subject: [[['CN', 'slate-enr-7f3a']]],
    });
  });

  it('MDM payload names the SCEP identity and carries topic, URLs, SignMessage, all rights, check-out and bootstrap token', () => {
    const profile = decode(buildEnrollmentProfile(OPTS));
    const mdm = byType(profile, 'com.apple.mdm');
    expect(mdm.IdentityCertificateUUID).toBe(byType(profile, 'com.apple.security.scep').PayloadUUID);
    expect(mdm).toMatchObject({
      Topic: OPTS.mdm.topic, ServerURL: OPTS.mdm.serverUrl, CheckInURL: OPTS.mdm.checkInUrl, SignMessage: true,
      AccessRights: 8191, CheckOutWhenRemoved: true, ServerCapabilities: ['com.apple.mdm.bootstraptoken'],
    });
    expect(byType(profile, 'com.apple.security.root').PayloadContent).toEqual(rootCaDer);
  });

  it('has every key of the nanomdm enrolment template (docs/enroll.mobileconfig) in each payload', () => {
    const template = decode(fixture('enrollment-profiles/micromdm__nanomdm/docs/enroll.mobileconfig'));
    const ours = decode(buildEnrollmentProfile(OPTS));
    for (const type of ['com.apple.security.scep', 'com.apple.mdm']) {
      const theirs = byType(template, type);
      const mine = byType(ours, type);
      expect(Object.keys(mine)).toEqual(expect.arrayContaining(Object.keys(theirs).filter((k) => k !== 'PayloadContent' || type === 'com.apple.security.scep')));
      if (type === 'com.apple.security.scep') expect(Object.keys(mine.PayloadContent)).toEqual(expect.arrayContaining(Object.keys(theirs.PayloadContent)));
    }
    expect(Object.keys(ours)).toEqual(expect.arrayContaining(Object.keys(template).filter((k) => k !== 'PayloadRemovalDisallowed' && k !== 'PayloadScope')));
  });

  it('keeps identifiers stable and UUIDs fresh per build; leaves out the CA when none is given', () => {
    const a = enrollmentProfilePayload(OPTS) as { PayloadUUID: string; PayloadIdentifier: string };
    const b = enrollmentProfilePayload(OPTS) as { PayloadUUID: string; PayloadIdentifier: string };
    expect(a.PayloadIdentifier).toBe(b.PayloadIdentifier);
    expect(a.PayloadUUID).not.toBe(b.PayloadUUID);
    expect(a.PayloadUUID).toMatch(/^[0-9A-F-]{36}$/);
    const noCa = decode(buildEnrollmentProfile({ ...OPTS, rootCaDer: undefined }, schemas));
    expect(noCa.PayloadContent.map((p) => p.PayloadType)).toEqual(['com.apple.security.scep', 'com.apple.mdm']);
  });

  it('refuses options that would make a broken profile (profile_invalid)', () => {
    const bad: Partial<EnrollmentProfileOptions>[] = [
      { identifier: 'no dots here' },
      { mdm: { ...OPTS.mdm, serverUrl: 'http://mdm.example.org/mdm/connect' } },
      { mdm: { ...OPTS.mdm, topic: 'com.example.push' } },
      { mdm: { ...OPTS.mdm, accessRights: 9000 } },
      { scep: { ...OPTS.scep, challenge: '' } },
      { scep: { ...OPTS.scep, keySize: 1024 } },
    ];
    for (const patch of bad) expect(() => buildEnrollmentProfile({ ...OPTS, ...patch }, schemas)).toThrow(expect.objectContaining({ code: 'profile_invalid', status: 500 }));
  });

  it('never puts the challenge in an error message', () => {
    try {
      buildEnrollmentProfile({ ...OPTS, identifier: 'bad', scep: { ...OPTS.scep, challenge: 'SECRET-CHALLENGE-XYZ' } });
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET');
    }
    expect.assertions(1);
  });
});
