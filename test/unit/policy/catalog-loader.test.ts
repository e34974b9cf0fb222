import { encodePlist } from '../../../src/apple/protocol/plist';
import { formatReport, MAX_PROFILE_BYTES, type CatalogProblem } from '../../../src/policy';
import { payloadUuid } from '../../../src/policy/render/profile-identity';
import { catalogOf, load, yamlFile } from './policy-fixture';

const RESTRICTIONS = `  - id: restrictions
    name: Einschränkungen
    scope:
      include: { gradeLevels: [3, 4] }
    apple:
      supervisedOnly: true
      payloads:
        - PayloadType: com.apple.applicationaccess
          allowAppRemoval: false
`;
const only = (r: ReturnType<typeof load>): CatalogProblem => {
  expect(r.catalog).toBeNull();
  expect(r.report.errors).toHaveLength(1);
  return r.report.errors[0]!;
};

describe('catalog loader: every problem with file, line and key', () => {
  it('accepts a valid entry and reports nothing', () => {
    const r = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS) });
    expect(r.report).toEqual({ errors: [], warnings: [] });
    expect(r.catalog!.entries.map((e) => e.entry.id)).toEqual(['restrictions']);
  });

  it('YAML syntax error: the line of the broken node', () => {
    const p = only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval: false', 'allowAppRemoval: [false')) }));
    expect(p).toMatchObject({ code: 'yaml_syntax', file: 'catalog/a.yaml' });
    expect(p.line).toBeGreaterThanOrEqual(11);
  });

  it('duplicate keys are a syntax error (the second value must not win silently)', () => {
    const p = only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval: false', 'allowAppRemoval: false\n          allowAppRemoval: true')) }));
    expect(p).toMatchObject({ code: 'yaml_syntax', line: 12 });
  });

  it('wrong type in an Apple key: "no" is a string, not a boolean', () => {
    const p = only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval: false', 'allowAppRemoval: "no"')) }));
    expect(p).toMatchObject({ code: 'wrong_type', file: 'catalog/a.yaml', line: 11, key: 'entries[0].apple.payloads[0].allowAppRemoval', entryId: 'restrictions' });
  });

  it('wrong type in a Slate key', () => {
    const p = only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('supervisedOnly: true', 'supervisedOnly: 1')) }));
    expect(p).toMatchObject({ code: 'wrong_type', line: 8, key: 'entries[0].apple.supervisedOnly' });
  });

  it('missing required key: Slate (name) and Apple (education needs OrganizationUUID)', () => {
    expect(only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('    name: Einschränkungen\n', '')) }))).toMatchObject({ code: 'missing_key', line: 3, key: 'entries[0].name' });
    const education = `  - id: classroom
    name: Classroom
    scope: { include: { schools: [gs-holz] } }
    apple:
      payloads:
        - PayloadType: com.apple.education
          OrganizationName: GS Holz
          UserIdentifier: x
          Users: []
          Groups: []
`;
    expect(only(load({ 'catalog/e.yaml': yamlFile(education) }))).toMatchObject({ code: 'missing_key', line: 8, key: 'entries[0].apple.payloads[0].OrganizationUUID' });
  });

  it('out-of-range values: Apple ranges and rangelists, Slate limits', () => {
    const passcode = `  - id: passcode
    name: Code
    scope: { include: { all: true } }
    apple:
      payloads:
        - PayloadType: com.apple.mobiledevice.passwordpolicy
          maxFailedAttempts: 40
        - PayloadType: com.apple.wifi.managed
          SSID_STR: x
          EncryptionType: WPA9
`;
    const r = load({ 'catalog/p.yaml': yamlFile(passcode) });
    expect(r.report.errors).toEqual([
      expect.objectContaining({ code: 'out_of_range', line: 9, key: 'entries[0].apple.payloads[0].maxFailedAttempts', message: 'above 11' }),
      expect.objectContaining({ code: 'out_of_range', line: 12, key: 'entries[0].apple.payloads[1].EncryptionType', message: 'WPA9 is not one of WEP, WPA, WPA2, WPA3, Any, None' }),
    ]);
    expect(only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('gradeLevels: [3, 4]', 'gradeLevels: [3, 14]')) }))).toMatchObject({ code: 'out_of_range', line: 6, key: 'entries[0].scope.include.gradeLevels[1]' });
  });

  it('unknown PayloadType and unknown Apple key', () => {
    const r = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('com.apple.applicationaccess', 'com.apple.applicationacess')) });
    expect(r.report.errors).toEqual([expect.objectContaining({ code: 'unknown_payload_type', line: 10, key: 'entries[0].apple.payloads[0].PayloadType' })]);
    expect(only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval', 'allowAppRemovel')) }))).toMatchObject({ code: 'unknown_key', line: 11, key: 'entries[0].apple.payloads[0].allowAppRemovel' });
  });

  it('scope codes must exist in the organisation tree, with the right kind', () => {
    const r = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('include: { gradeLevels: [3, 4] }', 'include: { schools: [gs-holz, gs-atlantis], grades: [gs-holz] }')) });
    expect(r.catalog).toBeNull();
    expect(r.report.errors).toEqual([
      expect.objectContaining({ code: 'unknown_scope_code', line: 6, key: 'entries[0].scope.include.grades[0]', message: 'gs-holz is a school, not a grade' }),
      expect.objectContaining({ code: 'unknown_scope_code', line: 6, key: 'entries[0].scope.include.schools[1]', message: expect.stringContaining('gs-atlantis') }),
    ]);
  });

  it('duplicate ids across files, naming where the first one is', () => {
    const r = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS), 'catalog/b.yaml': yamlFile(RESTRICTIONS) });
    expect(r.catalog).toBeNull();
    expect(r.report.errors).toEqual([expect.objectContaining({ code: 'duplicate_id', file: 'catalog/b.yaml', line: 3, key: 'entries[0].id', message: expect.stringContaining('catalog/a.yaml:3') })]);
  });

  it('unknown variables, malformed references, variables in keys and unconfigured secrets', () => {
    const wifi = `  - id: wifi
    name: WLAN {{school.nmae}}
    scope: { include: { all: true } }
    apple:
      payloads:
        - PayloadType: com.apple.wifi.managed
          SSID_STR: "{{ school.code"
          Password: "{{secret.NO_SUCH_SECRET}}"
          "{{school.code}}": 1
`;
    const r = load({ 'catalog/w.yaml': yamlFile(wifi) });
    const byCode = (code: string) => r.report.errors.filter((e) => e.code === code).map((e) => [e.line, e.key]);
    expect(byCode('unknown_variable')).toEqual([
      [4, 'entries[0].name'],
      [9, 'entries[0].apple.payloads[0].SSID_STR'],
      [11, 'entries[0].apple.payloads[0].{{school.code}}'],
    ]);
    expect(byCode('unknown_secret')).toEqual([[10, 'entries[0].apple.payloads[0].Password']]);
  });

  it('payloads over the size limit and over Apple\'s documented item limit', () => {
    const big = 'x'.repeat(MAX_PROFILE_BYTES);
    const filter = (urls: number, footnote: string) => `  - id: filter
    name: Filter
    scope: { include: { all: true } }
    apple:
      payloads:
        - PayloadType: com.apple.webcontent-filter
          FilterType: BuiltIn
          DenyListURLs: [${Array.from({ length: urls }, (_, i) => `"https://x${i}.example"`).join(', ')}]
        - PayloadType: com.apple.shareddeviceconfiguration
          LockScreenFootnote: "${footnote}"
`;
    const r = load({ 'catalog/f.yaml': yamlFile(filter(501, big)) });
    expect(r.report.errors).toEqual([
      expect.objectContaining({ code: 'too_large', line: 10, key: 'entries[0].apple.payloads[0].DenyListURLs', message: expect.stringContaining('at most 500') }),
      expect.objectContaining({ code: 'too_large', line: 11, key: 'entries[0].apple.payloads[1]', message: expect.stringContaining(`limit is ${MAX_PROFILE_BYTES}`) }),
    ]);
    expect(load({ 'catalog/f.yaml': yamlFile(filter(500, 'klein')) }).report.errors).toEqual([]);
  });

  it('hostile YAML: alias expansion is bounded, __proto__ stays a plain (unknown) key', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const bomb = load({ 'catalog/bomb.yaml': `${laughs.join('\n')}\nversion: 1\nentries: [*i]\n` });
    expect(bomb.report.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: expect.stringContaining('more than 200000 values') })]);
    const proto = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval: false', 'allowAppRemoval: false\n          __proto__: { polluted: true }')) });
    expect(proto.report.errors).toEqual([expect.objectContaining({ code: 'unknown_key', line: 12, key: 'entries[0].apple.payloads[0].__proto__' })]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('Slate-owned payload keys are refused', () => {
    expect(only(load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('allowAppRemoval: false', 'allowAppRemoval: false\n          PayloadUUID: 4B0C2E47-0000-4000-8000-000000000000')) }))).toMatchObject({ code: 'reserved_key', line: 12 });
  });

  it('supervised-only keys are warnings (not errors) unless the entry is declared supervisedOnly', () => {
    const r = load({ 'catalog/a.yaml': yamlFile(RESTRICTIONS.replace('      supervisedOnly: true\n', '')) });
    expect(r.catalog).not.toBeNull();
    expect(r.report.warnings).toEqual([expect.objectContaining({ code: 'supervised_only', line: 10, key: 'entries[0].apple.payloads[0].allowAppRemoval' })]);
  });

  it('once-per-device payload types must not meet on one device', () => {
    const lock = (id: string, scope: string) => `  - id: ${id}
    name: Sperrbildschirm
    scope: { include: ${scope} }
    apple:
      supervisedOnly: true
      payloads:
        - PayloadType: com.apple.shareddeviceconfiguration
          LockScreenFootnote: Fund bitte melden
`;
    const r = load({ 'catalog/a.yaml': yamlFile(lock('lock-all', '{ all: true }') + lock('lock-holz', '{ schools: [gs-holz] }')) });
    expect(r.report.errors).toEqual([expect.objectContaining({ code: 'conflict', entryId: 'lock-holz', message: expect.stringContaining('gs-holz') })]);
    // Disjoint scopes are fine.
    expect(load({ 'catalog/a.yaml': yamlFile(lock('lock-3', '{ gradeLevels: [3] }') + lock('lock-4', '{ gradeLevels: [4] }')) }).report.errors).toEqual([]);
  });

  it('is all-or-nothing: one bad file among good ones means no catalog, and the report lists every problem', () => {
    const r = load({
      'catalog/good.yaml': yamlFile(RESTRICTIONS),
      'catalog/bad.yaml': yamlFile(RESTRICTIONS.replace('id: restrictions', 'id: other').replace('allowAppRemoval: false', 'allowAppRemoval: 3\n          nope: 1')),
    });
    expect(r.catalog).toBeNull();
    expect(r.report.errors.map((e) => [e.file, e.line, e.code])).toEqual([
      ['catalog/bad.yaml', 11, 'wrong_type'],
      ['catalog/bad.yaml', 12, 'unknown_key'],
    ]);
    expect(formatReport(r.report)).toBe(
      'error   catalog/bad.yaml:11 entries[0].apple.payloads[0].allowAppRemoval: expected boolean, got number [wrong_type]\n' +
        'error   catalog/bad.yaml:12 entries[0].apple.payloads[0].nope: not a key Apple defines here [unknown_key]',
    );
  });

  it('accepts a raw .mobileconfig with a sidecar scope file; identifiers become Slate\'s, references follow', () => {
    const cert = '11111111-2222-4333-8444-555555555555';
    const mobileconfig = encodePlist({
      PayloadType: 'Configuration', PayloadVersion: 1, PayloadIdentifier: 'com.example.exported', PayloadUUID: 'A0000000-0000-4000-8000-000000000000',
      PayloadDisplayName: 'Exportiertes WLAN',
      PayloadContent: [
        { PayloadType: 'com.apple.wifi.managed', PayloadVersion: 1, PayloadIdentifier: 'com.example.wifi', PayloadUUID: 'B0000000-0000-4000-8000-000000000000', SSID_STR: 'Verwaltung', EncryptionType: 'WPA2', PayloadCertificateUUID: cert },
        { PayloadType: 'com.apple.mobiledevice.passwordpolicy', PayloadVersion: 1, PayloadIdentifier: 'com.example.cert', PayloadUUID: cert, minLength: 6 },
      ],
    });
    const catalog = catalogOf({ 'catalog/verwaltung.mobileconfig': mobileconfig, 'catalog/verwaltung.scope.yaml': 'version: 1\nscope:\n  include: { schools: [gs-holz] }\n' });
    const e = catalog.byId.get('verwaltung')!;
    expect(e.entry.name).toBe('Exportiertes WLAN');
    expect(e.profile!.identifier).toBe('de.rvsbr.mdm.slate.policy.verwaltung');
    const [wifi, code] = e.entry.apple!.payloads;
    expect(wifi).not.toHaveProperty('PayloadUUID');
    expect(code).not.toHaveProperty('PayloadIdentifier');
    // The reference now names the certificate payload's new, stable UUID.
    expect(wifi!.PayloadCertificateUUID).toBe(payloadUuid('verwaltung', 1));
  });

  it('a .mobileconfig without sidecar, or a broken one, is reported; problems in its sidecar name the sidecar', () => {
    expect(only(load({ 'catalog/x.mobileconfig': Buffer.from('<plist>') }))).toMatchObject({ code: 'plist_syntax', file: 'catalog/x.mobileconfig', message: expect.stringContaining('sidecar') });
    expect(only(load({ 'catalog/x.mobileconfig': Buffer.from([0x30, 0x82, 0x01]), 'catalog/x.scope.yaml': 'version: 1\nscope: { include: { all: true } }\n' }))).toMatchObject({ message: expect.stringContaining('unsigned') });
    const named = encodePlist({ PayloadType: 'Configuration', PayloadContent: [{ PayloadType: 'com.apple.mobiledevice.passwordpolicy', minLength: 6 }] });
    expect(only(load({ 'catalog/WLAN Verwaltung.mobileconfig': named, 'catalog/WLAN Verwaltung.scope.yaml': 'version: 1\nscope: { include: { all: true } }\n' }))).toMatchObject({ code: 'invalid_value', file: 'catalog/WLAN Verwaltung.scope.yaml', key: 'id' });
    const ok = encodePlist({ PayloadType: 'Configuration', PayloadContent: [{ PayloadType: 'com.apple.mobiledevice.passwordpolicy', minLength: 6 }] });
    expect(only(load({ 'catalog/x.mobileconfig': ok, 'catalog/x.scope.yaml': 'version: 1\nscope:\n  include: { schools: [nowhere] }\n' }))).toMatchObject({ code: 'unknown_scope_code', file: 'catalog/x.scope.yaml', line: 3 });
  });
});
