import { decodeReport } from '../../../src/apple/protocol/report';
import { parseProfileList } from '../../../src/apple/protocol/inventory';
import { PolicyPlanner, type Catalog, type DevicePlan, type DeviceState, type PendingAction } from '../../../src/policy';
import { fixture, CMDMNT } from '../apple/protocol/fixture';
import { catalogOf, hashKey, org, secrets, yamlFile } from './policy-fixture';

/** A real ProfileList: an iPad on iOS 11.3.1 with only its (commandment) enrolment profile. */
const ENROLMENT_ONLY = parseProfileList(decodeReport(fixture(`apple-command-responses/${CMDMNT}/ProfileList/iOS-11.3.1.xml`)).body);

const entries = (ssid: string, appConfig = 'schule-{{school.code}}') => yamlFile(`  - id: school-wifi
    name: WLAN
    scope: { include: { all: true } }
    apple:
      payloads:
        - { PayloadType: com.apple.wifi.managed, SSID_STR: ${ssid}, EncryptionType: WPA2, Password: "{{secret.SCHOOL_WIFI_PASSWORD}}" }
  - id: restrictions
    name: Einschränkungen
    scope: { include: { gradeLevels: [3, 4] } }
    apple:
      supervisedOnly: true
      payloads:
        - { PayloadType: com.apple.applicationaccess, allowAppRemoval: false }
  - id: apps
    name: Lern-Apps
    scope: { include: { gradeLevels: [3, 4] } }
    apps:
      appStore:
        - { adamId: 361309726, bundleId: com.apple.Pages }
        - { adamId: 895485086, bundleId: edu.mitmedialab.scratchjrfree, configuration: { server: "${appConfig}" } }
`);
const NOW = Date.parse('2026-12-01T08:00:00Z');

function deviceIn(unitId: string | null, over: Partial<DeviceState> = {}): DeviceState {
  return { device: { id: 'ipad-1', serialNumber: 'DMPX1', supervised: true }, unitId, profiles: ENROLMENT_ONLY, apps: [], managedApps: [], pending: [], failures: [], ...over };
}

/** What the device reports after it carried out a plan. */
function carriedOut(state: DeviceState, plan: DevicePlan): DeviceState {
  let profiles = [...(state.profiles ?? [])];
  let apps = [...(state.apps ?? [])];
  let managed = [...state.managedApps];
  for (const a of plan.actions) {
    if (a.kind === 'installProfile') profiles = [...profiles.filter((p) => p.identifier !== a.identifier), { identifier: a.identifier, uuid: a.version, isManaged: true }];
    if (a.kind === 'removeProfile') profiles = profiles.filter((p) => p.identifier !== a.identifier);
    if (a.kind === 'installApp' || a.kind === 'configureApp') {
      if (!apps.some((x) => x.identifier === a.bundleId)) apps.push({ identifier: a.bundleId });
      managed = [...managed.filter((m) => m.bundleId !== a.bundleId), { bundleId: a.bundleId, configVersion: a.configVersion }];
    }
    if (a.kind === 'removeApp') {
      apps = apps.filter((x) => x.identifier !== a.bundleId);
      managed = managed.filter((m) => m.bundleId !== a.bundleId);
    }
  }
  return { ...state, profiles, apps, managedApps: managed, pending: [] };
}

const pendingOf = (plan: DevicePlan): PendingAction[] =>
  plan.actions.map((a) => ('identifier' in a ? { kind: a.kind, target: a.identifier, version: a.kind === 'installProfile' ? a.version : null } : { kind: a.kind, target: a.bundleId, version: 'configVersion' in a ? a.configVersion : null }));
const planner = (catalog: Catalog) => new PolicyPlanner(catalog, { org, secrets, hashKey });
const kinds = (plan: DevicePlan) => plan.actions.map((a) => `${a.kind} ${'identifier' in a ? a.identifier.replace('de.rvsbr.mdm.slate.policy.', '') : a.bundleId}`);

describe('PolicyPlanner', () => {
  const catalog = catalogOf({ 'catalog/a.yaml': entries('GS-Lernnetz') });
  const p = planner(catalog);

  it('a new iPad in grade 3 gets its grade-3 set; the enrolment profile is left alone', () => {
    const plan = p.planDevice(deviceIn('gs-holz-3'), NOW);
    expect(kinds(plan)).toEqual(['installProfile school-wifi', 'installProfile restrictions', 'installApp com.apple.Pages', 'installApp edu.mitmedialab.scratchjrfree']);
    expect(plan.actions[0]).toMatchObject({ replaces: null, version: expect.stringMatching(/^[0-9A-F-]{36}$/) });
    expect(plan.schoolCode).toBe('gs-holz');
  });

  it('pending commands suppress a second enqueue; after the device reports, nothing is left to do', () => {
    const first = p.planDevice(deviceIn('gs-holz-3'), NOW);
    const waiting = deviceIn('gs-holz-3', { pending: pendingOf(first) });
    expect(p.planDevice(waiting, NOW).actions).toEqual([]);
    expect(p.status(waiting, NOW).map((o) => o.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    const done = carriedOut(deviceIn('gs-holz-3'), first);
    expect(p.planDevice(done, NOW).actions).toEqual([]);
    expect(p.status(done, NOW).every((o) => o.state === 'installed')).toBe(true);
  });

  it('a changed entry updates in place: same identifier, the old version named', () => {
    const done = carriedOut(deviceIn('gs-holz-3'), p.planDevice(deviceIn('gs-holz-3'), NOW));
    const changed = planner(catalogOf({ 'catalog/a.yaml': entries('GS-Lernnetz-neu', 'neu-{{school.code}}') }));
    const plan = changed.planDevice(done, NOW);
    expect(kinds(plan)).toEqual(['installProfile school-wifi', 'configureApp edu.mitmedialab.scratchjrfree']);
    const oldWifi = done.profiles!.find((x) => x.identifier.endsWith('school-wifi'))!.uuid;
    expect(plan.actions[0]).toMatchObject({ replaces: oldWifi });
    expect(changed.planFleet([done], NOW).overall).toMatchObject({ installProfile: 0, updateProfile: 1, configureApp: 1 });
  });

  it('a device moved out of grade 3 loses the grade set and keeps the school set', () => {
    const done = carriedOut(deviceIn('gs-holz-3'), p.planDevice(deviceIn('gs-holz-3'), NOW));
    const moved = { ...done, unitId: 'gs-holz' };
    expect(kinds(p.planDevice(moved, NOW))).toEqual(['removeProfile restrictions', 'removeApp com.apple.Pages', 'removeApp edu.mitmedialab.scratchjrfree']);
    // To another school of the same municipality: the Wi-Fi differs (other password), restrictions
    // stay; to another municipality, PayloadOrganization ({{municipality.name}}) changes them too.
    expect(kinds(p.planDevice({ ...done, unitId: 'gs-heusweiler-4' }, NOW))).toEqual(['installProfile school-wifi', 'configureApp edu.mitmedialab.scratchjrfree']);
    expect(kinds(p.planDevice({ ...done, unitId: 'gs-bildstock-4' }, NOW))).toEqual(['installProfile school-wifi', 'installProfile restrictions', 'configureApp edu.mitmedialab.scratchjrfree']);
  });

  it('never removes what it did not install: enrolment profile, foreign and user-installed profiles', () => {
    const profiles = [
      ...ENROLMENT_ONLY,
      { identifier: 'com.example.vpn', uuid: 'X', isManaged: true, payloadTypes: [] },
      { identifier: 'de.rvsbr.mdm.slate.policy.user-copy', uuid: 'Y', isManaged: false, payloadTypes: [] },
      { identifier: 'de.rvsbr.mdm.slate.policy.school-wifi.payload0', uuid: 'Z', isManaged: true, payloadTypes: [] },
      { identifier: 'de.rvsbr.mdm.slate.enroll.gs-holz', uuid: 'E', isManaged: true, payloadTypes: [] },
      { identifier: 'de.rvsbr.mdm.slate.policy.retired-entry', uuid: 'R', isManaged: true, payloadTypes: [] },
    ];
    const plan = p.planDevice(deviceIn('gs-holz', { profiles }), NOW);
    expect(plan.actions.filter((a) => a.kind === 'removeProfile')).toEqual([{ kind: 'removeProfile', entryId: null, identifier: 'de.rvsbr.mdm.slate.policy.retired-entry' }]);
  });

  it('a refused profile is held until its backoff runs out, then planned again; a new version is tried at once', () => {
    const first = p.planDevice(deviceIn('gs-holz-3'), NOW);
    const wifi = first.actions[0]! as { identifier: string; version: string };
    const failures = [{ kind: 'installProfile' as const, target: wifi.identifier, version: wifi.version, attempts: 2, retryAt: NOW + 60_000, reason: 'MCProfileErrorDomain 1009' }];
    const held = p.planDevice(deviceIn('gs-holz-3', { failures }), NOW);
    expect(kinds(held)).not.toContain('installProfile school-wifi');
    expect(held.held).toEqual([expect.objectContaining({ kind: 'installProfile', target: wifi.identifier, failure: failures[0] })]);
    expect(p.status(deviceIn('gs-holz-3', { failures }), NOW)[0]).toMatchObject({ state: 'failed', failure: { reason: 'MCProfileErrorDomain 1009' } });
    expect(kinds(p.planDevice(deviceIn('gs-holz-3', { failures }), NOW + 60_000))).toContain('installProfile school-wifi');
    const changed = planner(catalogOf({ 'catalog/a.yaml': entries('Neu') }));
    expect(kinds(changed.planDevice(deviceIn('gs-holz-3', { failures }), NOW))).toContain('installProfile school-wifi');
  });

  it('supervised-only entries skip unsupervised iPads (noted), and are removed there if present', () => {
    const unsupervised = deviceIn('gs-holz-3', { device: { id: 'byod', serialNumber: 'S', supervised: false } });
    const plan = p.planDevice(unsupervised, NOW);
    expect(kinds(plan)).not.toContain('installProfile restrictions');
    expect(plan.notes).toEqual([expect.objectContaining({ entryId: 'restrictions', state: 'needs_supervision' })]);
    const installed = { ...unsupervised, profiles: [{ identifier: 'de.rvsbr.mdm.slate.policy.restrictions', uuid: 'A', isManaged: true }] };
    expect(kinds(p.planDevice(installed, NOW))).toContain('removeProfile restrictions');
  });

  it('a variable without value is a note, not an empty profile; what is installed stays', () => {
    const noSecret = new PolicyPlanner(catalog, { org, secrets: { has: () => true, get: () => undefined }, hashKey });
    const state = deviceIn('gs-holz-3', { profiles: [...ENROLMENT_ONLY, { identifier: 'de.rvsbr.mdm.slate.policy.school-wifi', uuid: 'OLD', isManaged: true }] });
    const plan = noSecret.planDevice(state, NOW);
    expect(plan.notes).toEqual([expect.objectContaining({ entryId: 'school-wifi', state: 'unresolved', message: 'no value for {{secret.SCHOOL_WIFI_PASSWORD}}' })]);
    expect(kinds(plan).filter((k) => k.includes('school-wifi'))).toEqual([]);
  });

  it('apps: an app the pupil has but Slate does not manage is taken over; gone managed apps are released', () => {
    const state = deviceIn('gs-holz-3', { apps: [{ identifier: 'com.apple.Pages' }], managedApps: [{ bundleId: 'com.example.old' }] });
    const plan = p.planDevice(state, NOW);
    expect(kinds(plan)).toContain('installApp com.apple.Pages');
    expect(plan.released).toEqual(['com.example.old']);
    // Never reported an app list: what Slate installed counts as present, nothing is removed blindly.
    const unknown = p.planDevice(deviceIn('gs-holz', { apps: null, managedApps: [{ bundleId: 'com.apple.Pages' }] }), NOW);
    expect(kinds(unknown)).toContain('removeApp com.apple.Pages');
    expect(p.planDevice(deviceIn('gs-holz-3', { apps: null, managedApps: [{ bundleId: 'com.apple.Pages' }] }), NOW).actions.some((a) => a.kind === 'installApp' && a.bundleId === 'com.apple.Pages')).toBe(false);
  });

  it('counts states per entry across devices, for status --entry', () => {
    const fresh = deviceIn('gs-holz-3');
    const done = carriedOut(fresh, p.planDevice(fresh, NOW));
    const counts = p.statusByEntry([fresh, done, { ...done, unitId: 'gs-holz' }], NOW);
    expect(counts['school-wifi']).toEqual({ missing: 1, installed: 2 });
    expect(counts['restrictions']).toEqual({ missing: 1, installed: 1, extra: 1 });
  });

  it('plans a fleet with totals per school; a second apply with no change enqueues nothing', () => {
    const fleet = ['gs-holz-3', 'gs-holz-4', 'gs-holz', 'gs-bildstock-3'].map((u, i) => deviceIn(u, { device: { id: `d${i}`, serialNumber: `S${i}`, supervised: true } }));
    const plan = p.planFleet(fleet, NOW);
    expect(plan.totals['gs-holz']).toMatchObject({ devices: 3, installProfile: 5, installApp: 4, upToDate: 0 });
    expect(plan.totals['gs-bildstock']).toMatchObject({ devices: 1, installProfile: 2, installApp: 2 });
    expect(plan.overall.devices).toBe(4);
    const after = fleet.map((s, i) => carriedOut(s, plan.devices[i]!));
    const second = p.planFleet(after, NOW);
    expect(second.devices).toEqual([]);
    expect(second.overall).toMatchObject({ devices: 4, upToDate: 4, installProfile: 0, installApp: 0 });
  });
});
