import { decodeReport } from '../../../../src/apple/protocol/report';
import {
  deviceFactsOf, INVENTORY_PARSERS, MAX_CERTIFICATES, parseCertificateList, parseDeviceInformation, parseInstalledApplicationList, parseProfileList, parseSecurityInfo,
} from '../../../../src/apple/protocol/inventory';
import { CMDMNT, fixture } from './fixture';

const R = `apple-command-responses/${CMDMNT}`;
const body = (path: string) => decodeReport(fixture(path)).body;

describe('inventory parsers against real command responses', () => {
  it('DeviceInformation from an iPad4,1 on iOS 11.3.1 (commandment)', () => {
    const record = parseDeviceInformation(body(`${R}/DeviceInformation/iOS-11.3.1.xml`));
    expect(record).toMatchObject({ model: expect.any(String), productName: 'iPad4,1', osVersion: '11.3.1', buildVersion: '15E302' });
    expect(typeof record.deviceCapacityGb).toBe('number');
    expect(record.availableDeviceCapacityGb!).toBeLessThan(record.deviceCapacityGb!);
    // Cellular subscriber and roaming data are not kept.
    expect(JSON.stringify(record)).not.toMatch(/Subscriber|Roaming|Bluetooth/i);
  });

  it('DeviceInformation from a MacPro6,1 (22 KB full query set) stays compact', () => {
    const record = parseDeviceInformation(body(`${R}/DeviceInformation/macOS-10.13.1.xml`));
    expect(record.productName).toBe('MacPro6,1');
    expect(Object.keys(record).length).toBeLessThanOrEqual(17);
    expect(JSON.stringify(record).length).toBeLessThan(1000);
  });

  it('DeviceInformation from nanocmd devinfo.plist (iOS 15.7) gives the device facts for the device row', () => {
    const facts = deviceFactsOf(parseDeviceInformation(body('apple-command-responses/micromdm__nanocmd/engine/testdata/devinfo.plist')));
    expect(facts).toMatchObject({ osVersion: '15.7', buildVersion: '19H12' });
    expect(facts).not.toHaveProperty('udid');
    expect(deviceFactsOf(null)).toEqual({});
  });

  it('IsSupervised reaches the device row (policy skips supervised-only entries on an iPad that says false)', () => {
    // No captured answer in test/fixtures asks IsSupervised; the key is Apple's (DeviceInformation QueryResponses).
    expect(deviceFactsOf(parseDeviceInformation({ QueryResponses: { IsSupervised: false, OSVersion: '18.1' } }))).toEqual({ osVersion: '18.1', supervised: false });
    expect(deviceFactsOf(parseDeviceInformation({ QueryResponses: { IsSupervised: 'yes' } }))).toEqual({});
  });

  it('SecurityInfo on iOS (passcode, encryption) and macOS (SIP, firewall, DEP status)', () => {
    expect(parseSecurityInfo(body(`${R}/SecurityInfo/iOS-11.3.1.xml`))).toEqual({
      passcodePresent: false, passcodeCompliant: true, passcodeCompliantWithProfiles: true, hardwareEncryptionCaps: 3,
    });
    const mac = parseSecurityInfo(body('apple-command-responses/micromdm__nanocmd/workflow/inventory/testdata/secinfo.plist'));
    expect(mac).toMatchObject({ systemIntegrityProtectionEnabled: expect.any(Boolean), firewallEnabled: expect.any(Boolean), enrolledViaDep: expect.any(Boolean) });
  });

  it('ProfileList lists identifiers and payload types (commandment iOS-11.3.1, micromdm enrolment profile)', () => {
    const profiles = parseProfileList(body(`${R}/ProfileList/iOS-11.3.1.xml`));
    expect(profiles.length).toBeGreaterThan(0);
    expect(profiles[0]!.payloadTypes).toEqual(expect.arrayContaining(['com.apple.security.root', 'com.apple.mdm']));
    const micromdm = parseProfileList(body('apple-command-responses/micromdm__micromdm/workflow/profile/inventory/testdata/response.plist'));
    expect(micromdm.flatMap((p) => p.payloadTypes)).toEqual(expect.arrayContaining(['com.apple.mdm', 'com.apple.security.scep']));
  });

  it('InstalledApplicationList keeps identifier, name, versions and size (commandment iOS-12.1, 12 apps)', () => {
    const apps = parseInstalledApplicationList(body(`${R}/InstalledApplicationList/iOS-12.1.xml`));
    expect(apps).toHaveLength(12);
    for (const app of apps) expect(app).toMatchObject({ identifier: expect.any(String), name: expect.any(String), bundleSizeBytes: expect.any(Number) });
  });

  it('CertificateList adds fingerprint, issuer and expiry; the empty-subject quirk survives (nanocmd certlist.plist)', () => {
    const certs = parseCertificateList(body('apple-command-responses/micromdm__nanocmd/workflow/certprof/testdata/certlist.plist'));
    expect(certs[0]).toMatchObject({ commonName: '?Error_-26276?', isIdentity: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), issuer: expect.stringMatching(/SCEP CA/) });
    expect(Date.parse(certs[0]!.notAfter!)).toBeGreaterThan(0);
    expect(parseCertificateList(body(`${R}/CertificateList/10.11.x.xml`))).toHaveLength(2);
  });

  it('tolerate missing and mistyped keys (never throw)', () => {
    for (const parse of Object.values(INVENTORY_PARSERS)) {
      expect(() => parse({})).not.toThrow();
      expect(() => parse({ QueryResponses: 'x', SecurityInfo: [], ProfileList: {}, InstalledApplicationList: [1, 'a', { Identifier: 5 }], CertificateList: [{ Data: Buffer.from('not der') }] })).not.toThrow();
    }
    expect(parseCertificateList({ CertificateList: [{ CommonName: 'x', Data: Buffer.from('junk') }] })[0]).toEqual({ commonName: 'x', sha256: expect.any(String) });
  });

  it('CertificateList keeps at most MAX_CERTIFICATES entries: each costs an X.509 parse (npm run fuzz -- report)', () => {
    const many = Array.from({ length: MAX_CERTIFICATES + 50 }, (_, i) => ({ CommonName: `c${i}`, Data: Buffer.from('junk') }));
    const certs = parseCertificateList({ CertificateList: many });
    expect(certs).toHaveLength(MAX_CERTIFICATES);
    expect(certs.at(-1)!.commonName).toBe(`c${MAX_CERTIFICATES - 1}`);
  });
});
