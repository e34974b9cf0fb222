import { decodePlist } from '../../../src/apple/protocol/plist';
import { profileProblems } from '../../../src/apple/schema';
import { PolicyRenderer, reverseDnsOfUrl, secretSource, VersionResolver, MAX_PROFILE_BYTES, type Catalog, type ProfileSigner, type SecretSource } from '../../../src/policy';
import { catalogOf, hashKey, org, schemas, secrets, yamlFile } from './policy-fixture';

const WIFI = (ssid: string, scope = '{ all: true }') => `  - id: school-wifi
    name: WLAN {{school.name}}
    scope: { include: ${scope} }
    apple:
      payloads:
        - PayloadType: com.apple.wifi.managed
          SSID_STR: ${ssid}
          EncryptionType: WPA2
          Password: "{{secret.SCHOOL_WIFI_PASSWORD}}"
        - PayloadType: com.apple.mobiledevice.passwordpolicy
          minLength: 6
`;
const CLASSROOM = `  - id: classroom
    name: Classroom
    scope: { include: { gradeLevels: [3] } }
    apple:
      payloads:
        - PayloadType: com.apple.education
          OrganizationUUID: "{{school.uuid}}"
          OrganizationName: "{{school.name}}"
          UserIdentifier: "{{device.serial}}"
          Users: [{ Identifier: "{{device.serial}}", Name: "iPad {{device.serial}}" }]
          Groups: [{ BeaconID: 3, Name: "{{grade.name}}", MemberIdentifiers: ["{{device.serial}}"] }]
`;

function rendererFor(catalog: Catalog, s: SecretSource = secrets, signer: ProfileSigner = (b) => Buffer.concat([Buffer.from('SIGNED:'), b])) {
  const versions = new VersionResolver(catalog, { org, secrets: s, hashKey });
  return new PolicyRenderer(catalog, versions, { schemas, signer, hashKey });
}
const device = (serial: string) => ({ id: `dev-${serial}`, serialNumber: serial });

describe('profile rendering', () => {
  const catalog = catalogOf({ 'catalog/wifi.yaml': yamlFile(WIFI('GS-Lernnetz')) });
  const renderer = rendererFor(catalog);

  it('renders a complete profile that conforms to Apple\'s schemas, with Slate\'s identifiers', () => {
    const r = renderer.render('school-wifi', 'gs-holz-3');
    const profile = decodePlist(r.bytes) as Record<string, unknown> & { PayloadContent: Record<string, unknown>[] };
    expect(profileProblems(schemas, profile)).toEqual([]);
    expect(profile).toMatchObject({
      PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: 'de.rvsbr.mdm.slate.policy.school-wifi', PayloadUUID: r.uuid,
      PayloadDisplayName: 'WLAN Grundschule Holz', PayloadOrganization: 'Gemeinde Heusweiler', PayloadRemovalDisallowed: true,
    });
    expect(profile.PayloadContent.map((p) => [p.PayloadIdentifier, p.PayloadVersion])).toEqual([
      ['de.rvsbr.mdm.slate.policy.school-wifi.payload0', 1],
      ['de.rvsbr.mdm.slate.policy.school-wifi.payload1', 1],
    ]);
    expect(profile.PayloadContent[0]!.Password).toBe('holz-pass');
  });

  it('is stable: the same entry and values give the same identifiers, version and bytes', () => {
    const again = rendererFor(catalogOf({ 'catalog/wifi.yaml': yamlFile(WIFI('GS-Lernnetz')) }));
    const a = renderer.render('school-wifi', 'gs-holz-3');
    const b = again.render('school-wifi', 'gs-holz-4');
    expect(b.uuid).toBe(a.uuid);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(b.renderedHash).toBe(a.renderedHash);
  });

  it('a content change keeps PayloadIdentifier and payload UUIDs and makes a new version', () => {
    const changed = catalogOf({ 'catalog/wifi.yaml': yamlFile(WIFI('GS-Lernnetz-2')) });
    const before = decodePlist(renderer.render('school-wifi', 'gs-holz').bytes) as { PayloadIdentifier: string; PayloadUUID: string; PayloadContent: { PayloadUUID: string }[] };
    const after = decodePlist(rendererFor(changed).render('school-wifi', 'gs-holz').bytes) as typeof before;
    expect(after.PayloadIdentifier).toBe(before.PayloadIdentifier);
    expect(after.PayloadContent.map((p) => p.PayloadUUID)).toEqual(before.PayloadContent.map((p) => p.PayloadUUID));
    expect(after.PayloadUUID).not.toBe(before.PayloadUUID);
    expect(changed.entries[0]!.contentHash).not.toBe(catalog.entries[0]!.contentHash);
  });

  it('a scope or app change is a new definition but not a new profile version (no reinstall)', () => {
    const withApps = catalogOf({ 'catalog/wifi.yaml': yamlFile(`${WIFI('GS-Lernnetz')}    apps:\n      appStore: [{ adamId: 361309726, bundleId: com.apple.Pages }]\n`) });
    expect(withApps.entries[0]!.contentHash).toBe(catalog.entries[0]!.contentHash);
    expect(withApps.entries[0]!.definitionHash).not.toBe(catalog.entries[0]!.definitionHash);
    const rescoped = catalogOf({ 'catalog/wifi.yaml': yamlFile(WIFI('GS-Lernnetz', '{ gradeLevels: [3] }')) });
    expect(rescoped.entries[0]!.contentHash).toBe(catalog.entries[0]!.contentHash);
    expect(rescoped.entries[0]!.definitionHash).not.toBe(catalog.entries[0]!.definitionHash);
    expect(rendererFor(rescoped).render('school-wifi', 'gs-holz-3').uuid).toBe(renderer.render('school-wifi', 'gs-holz-3').uuid);
    expect(rescoped.hash).not.toBe(catalog.hash);
  });

  it('different variable values make different versions: per school, and when a secret rotates', () => {
    const holz = renderer.render('school-wifi', 'gs-holz').uuid;
    expect(renderer.render('school-wifi', 'gs-bildstock').uuid).not.toBe(holz);
    const rotated = secretSource({ SCHOOL_WIFI_PASSWORD: 'general-pass' }, { 'gs-holz': { SCHOOL_WIFI_PASSWORD: 'holz-pass-2026' } });
    expect(rendererFor(catalog, rotated).render('school-wifi', 'gs-holz').uuid).not.toBe(holz);
    // The version never carries the secret in a guessable form: it is keyed.
    expect(holz).not.toContain('holz-pass');
  });

  it('signs once per (entry, values) and serves every device of the school from the cache', async () => {
    const signer = jest.fn((b: Buffer) => Buffer.concat([Buffer.from('SIG'), b]));
    const r = rendererFor(catalog, secrets, signer);
    const signed = await Promise.all(['gs-holz-3', 'gs-holz-4', 'gs-holz-3', 'gs-holz'].map((u) => r.signed('school-wifi', u, device(u))));
    expect(signer).toHaveBeenCalledTimes(1);
    expect(new Set(signed.map((s) => s.payload))).toEqual(new Set([signed[0]!.payload]));
    await r.signed('school-wifi', 'gs-bildstock-3');
    expect(signer).toHaveBeenCalledTimes(2);
    expect(r.counts).toEqual({ renders: 2, signatures: 2 });
  });

  it('device variables make one version per device; a missing value is refused, not rendered empty', async () => {
    const r = rendererFor(catalogOf({ 'catalog/c.yaml': yamlFile(CLASSROOM) }));
    const a = r.render('classroom', 'gs-holz-3', device('F9FXK0AAHP01'));
    const b = r.render('classroom', 'gs-holz-3', device('F9FXK0AAHP02'));
    expect(a.uuid).not.toBe(b.uuid);
    expect(profileProblems(schemas, a.profile)).toEqual([]);
    expect((a.profile.PayloadContent as { Groups: { Name: string }[] }[])[0]!.Groups[0]!.Name).toBe('Klassenstufe 3');
    expect(() => r.render('classroom', 'gs-holz-3', { id: 'no-serial' })).toThrow(expect.objectContaining({ code: 'profile_invalid', message: expect.stringContaining('{{device.serial}}') }));
  });

  it('a rendered profile over the size limit is refused (a huge secret cannot slip through)', () => {
    const huge = secretSource({ SCHOOL_WIFI_PASSWORD: 'p'.repeat(MAX_PROFILE_BYTES) });
    expect(() => rendererFor(catalog, huge).render('school-wifi', 'gs-holz')).toThrow(expect.objectContaining({ code: 'profile_invalid', message: expect.stringContaining('limit') }));
  });

  it('a secret that looks like plist markup is rendered as text, escaped, never as structure', () => {
    const hostile = secretSource({ SCHOOL_WIFI_PASSWORD: '</string><key>PayloadType</key><string>com.apple.mdm</string><key>Password</key><string>' });
    const r = rendererFor(catalog, hostile).render('school-wifi', 'gs-bildstock');
    expect(r.bytes.toString('utf8')).toContain('&lt;/string&gt;&lt;key&gt;PayloadType&lt;/key&gt;');
    const decoded = decodePlist(r.bytes) as { PayloadContent: Record<string, unknown>[] };
    expect(decoded.PayloadContent[0]).toMatchObject({ PayloadType: 'com.apple.wifi.managed', Password: '</string><key>PayloadType</key><string>com.apple.mdm</string><key>Password</key><string>' });
    expect(decoded.PayloadContent.map((p) => p.PayloadType)).toEqual(['com.apple.wifi.managed', 'com.apple.mobiledevice.passwordpolicy']);
  });

  it('a failed signing is not cached', async () => {
    let fail = true;
    const r = rendererFor(catalog, secrets, (b) => {
      if (fail) throw new Error('HSM down');
      return b;
    });
    await expect(r.signed('school-wifi', 'gs-holz')).rejects.toThrow('HSM down');
    fail = false;
    await expect(r.signed('school-wifi', 'gs-holz')).resolves.toMatchObject({ identifier: 'de.rvsbr.mdm.slate.policy.school-wifi' });
  });

  it('derives the identifier prefix from PUBLIC_URL\'s host', () => {
    expect(reverseDnsOfUrl('https://mdm.rvsbr.de/')).toBe('de.rvsbr.mdm');
    expect(reverseDnsOfUrl('http://localhost:8080')).toBe('local.slate');
  });
});
