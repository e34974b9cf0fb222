import fc from 'fast-check';
import { decodePlist, encodePlist, PlistReal } from '../../../src/apple/protocol/plist';
import { collectVariables, parseTemplate, substitute } from '../../../src/policy/variables/template';
import { resolveVariable, secretSourceFromEnv } from '../../../src/policy/variables/variable-context';
import { uuidV5 } from '../../../src/policy/render/canonical';
import { PROPERTY_SEED } from '../../helpers/property';
import { org, secrets } from './policy-fixture';

describe('variables', () => {
  it('parses references and reports malformed ones', () => {
    expect(parseTemplate('WLAN {{ school.name }} ({{school.code}})').parts).toEqual([
      { text: 'WLAN ', variable: false },
      { text: 'school.name', variable: true },
      { text: ' (', variable: false },
      { text: 'school.code', variable: true },
      { text: ')', variable: false },
    ]);
    expect(parseTemplate('a {{ 1+1 }} b').malformed).toEqual(["'{{ 1+1 }}' is not a variable reference"]);
    expect(parseTemplate('a {{school.name').malformed).toEqual([`unclosed '{{' in "{{school.name"`]);
  });

  it('collects uses with their paths, and flags variables in keys', () => {
    const { uses, malformed } = collectVariables({ A: ['x {{device.serial}}'], '{{school.code}}': 1 }, ['p']);
    expect(uses).toEqual([{ name: 'device.serial', path: ['p', 'A', 0] }]);
    expect(malformed.map((m) => m.path)).toEqual([['p', '{{school.code}}']]);
  });

  it('resolves organisation, device and secret values; per-school secrets win', () => {
    const holz = org.placementOf('gs-holz-3');
    expect(resolveVariable('municipality.name', holz, undefined, secrets)).toBe('Gemeinde Heusweiler');
    expect(resolveVariable('school.name', holz, undefined, secrets)).toBe('Grundschule Holz');
    expect(resolveVariable('grade.level', holz, undefined, secrets)).toBe('3');
    expect(resolveVariable('school.uuid', holz, undefined, secrets)).toBe(uuidV5('school:gs-holz'));
    expect(resolveVariable('secret.SCHOOL_WIFI_PASSWORD', holz, undefined, secrets)).toBe('holz-pass');
    expect(resolveVariable('secret.SCHOOL_WIFI_PASSWORD', org.placementOf('gs-bildstock'), undefined, secrets)).toBe('general-pass');
    expect(resolveVariable('device.assetTag', holz, { id: 'd', assetTag: 'INV-7' }, secrets)).toBe('INV-7');
    expect(resolveVariable('device.assetTag', holz, { id: 'd' }, secrets)).toBeUndefined();
    expect(resolveVariable('class.name', holz, undefined, secrets)).toBeUndefined();
  });

  it('reads secrets from *_FILE variables only, general and per school', () => {
    const files: Record<string, string> = { '/run/secrets/wifi': 'all-schools\n', '/run/secrets/wifi-holz': 'nur-holz' };
    const s = secretSourceFromEnv(
      { POLICY_SECRET_SCHOOL_WIFI_PASSWORD_FILE: '/run/secrets/wifi', POLICY_SECRET_SCHOOL_WIFI_PASSWORD__GS_HOLZ_FILE: '/run/secrets/wifi-holz', POLICY_SECRET_PLAIN: 'never read' },
      (p) => files[p]!,
      ['gs-holz', 'gs-bildstock'],
    );
    expect(s.get('SCHOOL_WIFI_PASSWORD', 'gs-holz')).toBe('nur-holz');
    expect(s.get('SCHOOL_WIFI_PASSWORD', 'gs-bildstock')).toBe('all-schools');
    expect(s.has('PLAIN')).toBe(false);
    expect(() => secretSourceFromEnv({ POLICY_SECRET_X__GS_NOWHERE_FILE: '/x' }, () => 'v', ['gs-holz'])).toThrow(/GS_NOWHERE/);
  });

  it('a value that looks like plist markup stays text: no structure can be injected', () => {
    const hostile = '</string><key>PayloadType</key><string>com.apple.mdm</string><key>x</key><string>&amp;';
    const profile = { PayloadType: 'com.apple.wifi.managed', SSID_STR: 'Schule', Password: '{{secret.P}}' };
    const rendered = substitute(profile, () => hostile);
    const bytes = encodePlist(rendered);
    expect(bytes.toString('utf8')).toContain('&lt;/string&gt;&lt;key&gt;PayloadType');
    expect(decodePlist(bytes)).toEqual({ PayloadType: 'com.apple.wifi.managed', SSID_STR: 'Schule', Password: hostile });
  });

  it('property: substitution never changes the shape of the value tree, only string contents', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.constantFrom('{{school.name}}', 'x {{device.serial}} y', '{{secret.A}}{{secret.B}}'),
      fc.integer(),
      fc.boolean(),
      fc.double({ noNaN: true }).map((d) => new PlistReal(d)),
      fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 })),
    })).node;
    const shape = (v: unknown): unknown =>
      typeof v === 'string' ? 'string' : Array.isArray(v) ? v.map(shape) : v && typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof PlistReal) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : v;
    fc.assert(
      fc.property(tree, fc.string(), (value, replacement) => {
        if (collectVariables(value).malformed.length) return;
        const out = substitute(value, () => replacement);
        expect(shape(out)).toEqual(shape(value));
        expect(collectVariables(out).uses.length === 0 || replacement.includes('{{')).toBe(true);
      }),
      { seed: PROPERTY_SEED, numRuns: 300 },
    );
  });
});

describe('uuidV5', () => {
  it('matches RFC 9562 Appendix A.4 (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ED6657D-E927-568B-95E1-2665A8AEA6A2');
  });
});
