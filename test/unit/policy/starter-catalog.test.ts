import { readFileSync } from 'node:fs';
import { profileProblems } from '../../../src/apple/schema';
import { loadCatalog, PolicyRenderer, readCatalogDir, VersionResolver, type Catalog } from '../../../src/policy';
import { hashKey, org, schemas, secrets, settings } from './policy-fixture';

/** The catalog shipped in profiles/catalog, against the shipped organisation tree. */
const sources = readCatalogDir('profiles/catalog');
const result = loadCatalog(sources, { org, schemas, secrets, settings });

describe('starter catalog (profiles/catalog)', () => {
  it('validates clean: no errors, no warnings', () => {
    expect(result.report).toEqual({ errors: [], warnings: [] });
  });

  const catalog = result.catalog as Catalog;
  const renderer = new PolicyRenderer(catalog, new VersionResolver(catalog, { org, secrets, hashKey }), { schemas, signer: (b) => b, hashKey });
  const ipad = { id: 'ipad', serialNumber: 'DMPXK0AAHP7Q', supervised: true };

  it('has every part the issue asks for', () => {
    expect(catalog.entries.map((e) => e.entry.id).sort()).toEqual([
      'classroom-grade-3', 'classroom-grade-4', 'home-screen-grade-3-4', 'learning-apps-grade-3-4', 'lock-screen-message',
      'passcode-grade-3-4', 'restrictions-grade-3-4', 'school-wifi', 'web-content-filter',
    ]);
  });

  it('every profile renders for every grade of every school and conforms to Apple\'s schemas', () => {
    const grades = [...org.units()].filter((u) => u.kind === 'grade');
    expect(grades).toHaveLength(26);
    for (const e of catalog.entries.filter((x) => x.profile)) {
      for (const g of grades) {
        if (e.entry.scope.include.gradeLevels.length && !e.entry.scope.include.gradeLevels.includes(g.gradeLevel!)) continue;
        const r = renderer.render(e.entry.id, g.id, ipad);
        expect({ entry: e.entry.id, grade: g.code, problems: profileProblems(schemas, r.profile) }).toEqual({ entry: e.entry.id, grade: g.code, problems: [] });
      }
    }
  });

  it('restrictions: no App Store, no erasing, no account changes, no app removal; Classroom may lock and observe', () => {
    const [payload] = renderer.render('restrictions-grade-3-4', 'gs-holz-3').profile.PayloadContent as Record<string, unknown>[];
    expect(payload).toMatchObject({
      PayloadType: 'com.apple.applicationaccess', allowUIAppInstallation: false, allowEraseContentAndSettings: false, allowAccountModification: false,
      allowAppRemoval: false, forceClassroomUnpromptedAppAndDeviceLock: true, forceClassroomUnpromptedScreenObservation: true,
    });
  });

  it('lock-screen message names owner and where to report a find', () => {
    const [payload] = renderer.render('lock-screen-message', 'gs-holz-4').profile.PayloadContent as Record<string, unknown>[];
    expect(payload!.LockScreenFootnote).toBe('Eigentum der Gemeinde Heusweiler – Grundschule Holz. Fund bitte melden: 0681 506-0');
  });

  it('Wi-Fi password comes from configuration, per school where set', () => {
    const wifi = (unit: string) => (renderer.render('school-wifi', unit).profile.PayloadContent as Record<string, unknown>[])[0]!.Password;
    expect(wifi('gs-holz-3')).toBe('holz-pass');
    expect(wifi('gs-bildstock-3')).toBe('general-pass');
    expect(sources.map((s) => s.bytes.toString('utf8')).join('\n')).not.toMatch(/holz-pass|general-pass/);
  });

  it('passcode: six digits for 8-year-olds, and never the wipe-after-failed-attempts key', () => {
    const [payload] = renderer.render('passcode-grade-3-4', 'gs-holz-3').profile.PayloadContent as Record<string, unknown>[];
    expect(payload).toMatchObject({ forcePIN: true, allowSimple: true, minLength: 6, requireAlphanumeric: false });
    expect(payload).not.toHaveProperty('maxFailedAttempts');
  });

  it('learning apps carry real adamIds and bundle ids, and the home screen shows them', () => {
    const apps = catalog.byId.get('learning-apps-grade-3-4')!.apps;
    expect(apps.map((a) => a.bundleId)).toContain('edu.mitmedialab.scratchjrfree');
    const layout = JSON.stringify(renderer.render('home-screen-grade-3-4', 'gs-holz-3').profile);
    for (const a of apps) expect(layout).toContain(a.bundleId);
  });

  it('without supervisedOnly the supervised-only keys would be flagged as warnings', () => {
    const text = readFileSync('profiles/catalog/restrictions.yaml', 'utf8').replace('supervisedOnly: true', 'supervisedOnly: false');
    const r = loadCatalog([{ path: 'catalog/restrictions.yaml', bytes: Buffer.from(text) }], { org, schemas, secrets, settings });
    expect(r.report.errors).toEqual([]);
    expect(r.report.warnings.map((w) => w.key.split('.').pop())).toEqual(expect.arrayContaining(['allowUIAppInstallation', 'allowAppRemoval', 'allowAccountModification', 'forceClassroomUnpromptedScreenObservation']));
    expect(r.report.warnings.every((w) => w.code === 'supervised_only' && w.line > 1)).toBe(true);
  });
});
