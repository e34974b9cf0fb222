import { auditLines } from '../helpers/audit-lines';
import type { EnqueuedCommand } from '../../src/reconciler/policy-reconciler';
import { policySecretsEnv, PREFIX, testCatalog } from '../helpers/policy-catalog';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';

/**
 * Issue #12 end to end: simulated iPads in two schools and two grades converge to exactly their
 * scoped sets without anyone pushing anything; a move swaps a device's set; editing one entry
 * touches only the devices in its scope; plan predicts exactly what apply enqueues.
 */
describe('policy convergence (simulated iPads)', () => {
  let h: SpineHarness;
  const ipads: Record<string, SimulatedIpad> = {};
  const place: Record<string, [string, number]> = { b3: ['gs-bildstock', 3], b4: ['gs-bildstock', 4], h3: ['gs-holz', 3], h4: ['gs-holz', 4] };

  beforeAll(async () => {
    h = await startSpine(policySecretsEnv());
    await h.slate.services.policy.apply({ sources: testCatalog(), by: 'test' });
    for (const [name, [school, grade]] of Object.entries(place)) {
      const link = await h.slate.services.enrollmentTokens.create({ schoolCode: school, gradeLevel: grade, createdBy: 'test' });
      ipads[name] = h.ipad();
      await ipads[name]!.enrol(link.url);
    }
  }, 120_000);
  afterAll(() => h?.close());

  const id = async (ipad: SimulatedIpad) => (await h.slate.services.devices.require(ipad.udid)).id;
  const profiles = (ipad: SimulatedIpad) => [...ipad.installed.profiles.keys()].filter((p) => p.startsWith(PREFIX)).map((p) => p.slice(PREFIX.length)).sort();
  const apps = (ipad: SimulatedIpad) => [...ipad.installed.managedApps.keys()].sort();
  /** Each iPad connects again while Slate has work for it, as it would after each push. */
  const converge = async () => {
    for (const ipad of Object.values(ipads)) for (let i = 0; i < 10 && (await ipad.connect()).length; i++);
  };
  const pendingIn = async (ipad: SimulatedIpad) => (await h.slate.services.apple.commands.timeline(await id(ipad), 200)).filter((c) => c.status === 'queued');

  it('iPads enrolled in two schools and two grades converge to exactly their scoped sets', async () => {
    await converge();
    expect(profiles(ipads.b3!)).toEqual(['restrictions-grade-3', 'wifi-bildstock']);
    expect(profiles(ipads.b4!)).toEqual(['passcode-grade-4', 'wifi-bildstock']);
    expect(profiles(ipads.h3!)).toEqual(['lock-screen-holz', 'restrictions-grade-3']);
    expect(profiles(ipads.h4!)).toEqual(['lock-screen-holz', 'passcode-grade-4']);
    expect(apps(ipads.b3!)).toEqual(['com.apple.Pages', 'edu.mitmedialab.scratchjrfree']);
    expect(apps(ipads.b4!)).toEqual([]);
    expect(ipads.h3!.installed.managedApps.get('edu.mitmedialab.scratchjrfree')!.configuration).toEqual({ school: 'gs-holz' });
    // The enrolment profile is never touched; the Wi-Fi secret reached the device, not the queue's params.
    expect(ipads.b3!.ledger.some((l) => l.requestType === 'RemoveProfile')).toBe(false);
    for (const ipad of Object.values(ipads)) {
      const status = await h.slate.services.policy.status({ device: ipad.udid });
      expect(status.rows.length).toBeGreaterThan(0);
      expect(status.rows.filter((r) => r.state !== 'installed')).toEqual([]);
      expect(await pendingIn(ipad)).toEqual([]);
    }
  });

  it('a converged fleet: reports and a second apply enqueue nothing', async () => {
    const again = await h.slate.services.policy.apply({ sources: testCatalog(), by: 'test' });
    expect(again).toMatchObject({ changed: false, enqueued: 0 });
    for (const ipad of Object.values(ipads)) expect(await ipad.connect()).toEqual([]);
  });

  it('moving one device to grade 4 swaps its profiles and apps', async () => {
    const b3 = ipads.b3!;
    const r = await h.slate.services.deviceMoves.move({ device: b3.udid, schoolCode: 'gs-bildstock', gradeLevel: 4, by: 'test' });
    expect(r.to).toEqual({ school: 'gs-bildstock', grade: 'gs-bildstock-4', class: null });
    const handled = [...(await b3.connect()), ...(await b3.connect())];
    expect(handled.map((l) => l.requestType)).toEqual(expect.arrayContaining(['RemoveProfile', 'InstallProfile', 'RemoveApplication']));
    expect(profiles(b3)).toEqual(['passcode-grade-4', 'wifi-bildstock']);
    expect(apps(b3)).toEqual([]);
    const audit = await auditLines(h.slate, { targetType: 'device', targetId: await id(b3) });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['device.move', 'policy.enqueue']));
    expect((await h.slate.services.policy.status({ device: b3.udid })).rows.every((x) => x.state === 'installed')).toBe(true);
  });

  it('editing one entry: plan predicts exactly what apply enqueues, only for the devices in its scope', async () => {
    const edited = testCatalog({ passcodeLength: 6 });
    const plan = await h.slate.services.policy.plan({ sources: edited });
    const predicted = plan.devices.flatMap((d) => d.actions.map((a) => `${d.deviceId} ${a.kind} ${'identifier' in a ? a.identifier : a.bundleId} ${'version' in a ? a.version : ''}`)).sort();
    const grade4 = await Promise.all([ipads.b3!, ipads.b4!, ipads.h4!].map(id));
    expect(plan.devices.map((d) => d.deviceId).sort()).toEqual(grade4.sort());
    expect(plan.overall).toMatchObject({ updateProfile: 3, installProfile: 0, removeProfile: 0 });
    expect(plan.totals['gs-bildstock']).toMatchObject({ devices: 2, updateProfile: 2 });
    const applied = await h.slate.services.policy.apply({ sources: edited, by: 'test' });
    expect(applied).toMatchObject({ changed: true, enqueued: 3, devices: 3 });
    const enqueued: string[] = [];
    for (const ipad of Object.values(ipads)) {
      for (const c of await pendingIn(ipad)) {
        const audit = (await auditLines(h.slate, { targetType: 'device', targetId: c.deviceId, action: 'policy.enqueue', limit: 1 }))[0]!;
        expect(JSON.parse(audit.detail!)).toMatchObject({ cause: 'apply', catalogVersion: applied.version.id });
        expect(c.requestType).toBe('InstallProfile');
        enqueued.push(...(JSON.parse(audit.detail!).commands as string[]).map((s) => `${c.deviceId} ${s}`));
      }
    }
    expect(enqueued.sort()).toEqual(predicted);
    await converge();
    expect((await h.slate.services.policy.status({ entry: 'passcode-grade-4' })).byEntry['passcode-grade-4']).toEqual({ installed: 3 });
  });

  it('a new app configuration reaches the devices that have the app as managed configuration (Settings), nothing else', async () => {
    const r = await h.slate.services.policy.apply({ sources: testCatalog({ passcodeLength: 6, appConfigKey: 'schule' }), by: 'test' });
    expect(r.plan.overall).toMatchObject({ configureApp: 1, installApp: 0, installProfile: 0, updateProfile: 0 });
    const handled = await ipads.h3!.connect();
    expect(handled.map((l) => [l.requestType, l.command.Settings])).toEqual([['Settings', [{ Item: 'ApplicationConfiguration', Identifier: 'edu.mitmedialab.scratchjrfree', Configuration: { schule: 'gs-holz' } }]]]);
    expect((await h.slate.services.policy.status({ device: ipads.h3!.udid })).rows.filter((x) => x.state !== 'installed')).toEqual([]);
    expect((await h.slate.services.policy.apply({ sources: testCatalog({ passcodeLength: 6, appConfigKey: 'schule' }), by: 'test' })).enqueued).toBe(0);
  });

  it('a device that refuses a profile is marked failed with its ErrorChain and not asked again in a loop', async () => {
    const h4 = ipads.h4!;
    h4.react = (type) => (type === 'InstallProfile' ? 'Error' : 'Acknowledged');
    await h.slate.services.policy.apply({ sources: testCatalog({ passcodeLength: 8, appConfigKey: 'schule' }), by: 'test' });
    const first = await h4.connect();
    expect(first.filter((l) => l.requestType === 'InstallProfile').map((l) => l.answered)).toEqual(['Error']);
    const row = (await h.slate.services.policy.status({ device: h4.udid })).rows.find((r) => r.target === `${PREFIX}passcode-grade-4`)!;
    expect(row).toMatchObject({ state: 'failed', attempts: 1, reason: 'MCMDMErrorDomain 12021: Simulated failure', errorChain: [{ ErrorCode: 12021 }] });
    expect(row.retryAt!.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    // Reports, a re-apply and the retry sweep all leave it alone until the backoff has run out.
    await h.slate.services.policy.apply({ sources: testCatalog({ passcodeLength: 8, appConfigKey: 'schule' }), by: 'test' });
    expect(await h.slate.services.policy.retryDue()).toBe(0);
    expect(await h4.connect()).toEqual([]);
  });
});
